#!/usr/bin/env bash
# Time of the HTML report over a benchmark case whose every public address is located, so the
# world map has the most work: up to 2000 points drawn from every located source IP.
# The geo database is synthetic (one City record per /8 the corpus uses, written with
# sample-data/mmdb_writer.py); the case is a separate one, case-geo-EVENTS.duckdb.
#
#   benches/world_map.sh [EVENTS] [WORKDIR]      (defaults: 1000000, /tmp/rootlens-bench)
source "$(dirname "$0")/common.sh" "$@"
geo_db="$work/bench-City.mmdb"
geo_case="$work/case-geo-$events.duckdb"
python3 - "$geo_db" <<'EOF'
import sys
sys.path.insert(0, "sample-data")
sys.dont_write_bytecode = True
import mmdb_writer

firsts = [3, 13, 18, 34, 35, 44, 52, 54, 63, 66, 73, 81, 82, 86, 89, 91, 98, 104, 107, 108,
          136, 142, 148, 151, 157, 172, 176, 185, 188, 193, 195, 198, 203, 212, 217]
records = []
for i, first in enumerate(firsts):
    lat, lon = -40 + (i * 37) % 100, -170 + (i * 83) % 340
    records.append((f"{first}.0.0.0/8", {
        "city": {"names": {"en": f"Bench {first}"}},
        "country": {"iso_code": "ZZ", "names": {"en": "Benchland"}},
        "location": {"accuracy_radius": mmdb_writer.Uint16(100), "latitude": float(lat),
                     "longitude": float(lon)},
    }))
meta = {"build_epoch": mmdb_writer.Uint64(1717200000), "database_type": "Bench-Synthetic-City",
        "description": {"en": "synthetic, for benches/world_map.sh"}, "languages": ["en"]}
open(sys.argv[1], "wb").write(mmdb_writer.build(records, meta))
EOF
[ -f "$geo_case" ] || "$bin" ingest --quiet --db "$geo_case" --geoip-city "$geo_db" "$corpus"
/usr/bin/time -f '%e %M' -o "$work/world_map.time" \
    "$bin" report --db "$geo_case" --out "$work/report-geo-$events.html" > /dev/null
read -r seconds kib < "$work/world_map.time"
points=$(grep -o '<circle class="origin ' "$work/report-geo-$events.html" | wc -l)
echo "report with the world map over $events events: ${seconds} s, peak $((kib / 1024)) MiB, $points points drawn"

#!/usr/bin/env bash
# The investigations on a real Spark cluster on this machine: a standalone master and one
# worker on 127.0.0.1 (the classes ship with the pyspark package), the driver submitted to it
# with spark-submit, by both routes:
#   parquet  over `rootlens export parquet` of a benchmark case (export time, partition count
#            and sizes printed);
#   raw      over the CloudTrail archive the case was ingested from (`--cloudtrail`, the
#            parsed records staged once as Parquet under the work folder).
# Each is compared with `rootlens run` on the case (rows per investigation); wall time and
# peak memory (the driver, and the worker with its executor and Python processes) printed.
#
#   benches/spark_cluster.sh [EVENTS] [WORKDIR]     (defaults: 1000000, /tmp/rootlens-bench)
#   CASE=/path/case.duckdb benches/spark_cluster.sh  (an existing case, copied, never written)
#
# The archive is WORKDIR/corpus-EVENTS (generated when missing, as by the other benches), or
# ARCHIVE=DIR; ROUTES=parquet or ROUTES=raw runs one route (default: both); LAKE=DIR reuses an
# export of the case (not written again). Needs the virtual
# environment of .ci/run ($ROOTLENS_SPARK_VENV, default ~/.cache/rootlens-spark-venv) and
# Java 17+. WORKER_CORES / WORKER_MEMORY size the worker (default 2 cores, 3g), DRIVER_MEMORY
# the driver's heap (default 2g: at 1M events over the raw archive, Spark's default 1g ran out
# in run-instances-user-data-by-suspect); SPARK_ONLY limits the investigations (e.g.
# root,cis-monitoring).
source "$(dirname "$0")/common.sh" "$@"
venv=${ROOTLENS_SPARK_VENV:-$HOME/.cache/rootlens-spark-venv}
spark_home=$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME=$spark_home PYSPARK_PYTHON=$venv/bin/python SPARK_LOCAL_IP=127.0.0.1
cores=${WORKER_CORES:-2}
memory=${WORKER_MEMORY:-3g}
driver_memory=${DRIVER_MEMORY:-2g}
routes=${ROUTES:-parquet raw}
archive=${ARCHIVE:-$corpus}

if [ -n "${CASE:-}" ]; then
    case_db="$work/copy-$(basename "$CASE")"
    [ -f "$case_db" ] || cp "$CASE" "$case_db"
else
    ensure_case
fi
name=$(basename "$case_db" .duckdb)
lake=${LAKE:-$work/lake-$name}
logs="$work/spark-logs"
mkdir -p "$logs"

# The cluster: one master, one worker, both on the loopback address; their logs (and the
# executors' work folders) under $logs.
master_port=${MASTER_PORT:-7177}
export SPARK_WORKER_DIR="$logs/work"
"$spark_home/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$master_port" --webui-port 0 > "$logs/master.log" 2>&1 &
master_pid=$!
"$spark_home/bin/spark-class" org.apache.spark.deploy.worker.Worker \
    --cores "$cores" --memory "$memory" --webui-port 0 "spark://127.0.0.1:$master_port" \
    > "$logs/worker.log" 2>&1 &
worker_pid=$!
sampler_pid=
trap 'kill $sampler_pid "$worker_pid" "$master_pid" 2>/dev/null; wait 2>/dev/null' EXIT

# The largest total resident memory of the worker's process tree (the worker JVM, its
# executor JVM and their Python workers), sampled every second into $1 while running.
sample_worker_memory() {
    local peak=0 now
    while :; do
        now=$(ps -eo pid=,ppid=,rss= | awk -v root="$worker_pid" '
            { parent[$1] = $2; rss[$1] = $3 }
            END { for (p in rss) { q = p; while (q != "" && q != root && q != 1 && q != 0) q = parent[q];
                                   if (q == root) total += rss[p] } print total + 0 }')
        [ "$now" -gt "$peak" ] && peak=$now && echo "$peak" > "$1"
        sleep 1
    done
}

exec 3>&1   # timed reports here, whatever the command's output is redirected to
timed() { # label, command...: runs it, prints the wall seconds and peak memory
    local label=$1; shift
    echo 0 > "$work/worker-peak.txt"
    sample_worker_memory "$work/worker-peak.txt" &
    sampler_pid=$!
    local status=0
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@" || status=$?
    kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=
    # GNU time writes "Command exited with non-zero status N" first when the command fails
    # (rootlens run exits 1 with findings, the driver 2 when an investigation failed).
    read -r wall kib < <(tail -n 1 "$work/time.txt")
    {
        printf '%-28s %8.1f s wall %7d MiB peak (this process)' "$label" "$wall" $((kib / 1024))
        [ "$(cat "$work/worker-peak.txt")" -gt 0 ] \
            && printf ', %d MiB peak (worker + executor)' $(( $(cat "$work/worker-peak.txt") / 1024 ))
        echo
    } >&3
    return "$status"
}

for _ in $(seq 60); do
    grep -q "Successfully registered with master" "$logs/worker.log" && break
    sleep 1
done
grep -q "Successfully registered with master" "$logs/worker.log" \
    || { echo "the worker did not register (see $logs)" >&2; exit 2; }
echo "case: $case_db; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cluster: master spark://127.0.0.1:$master_port, worker $cores cores $memory," \
     "driver heap $driver_memory"

only=()
[ -n "${SPARK_ONLY:-}" ] && only=(--only "$SPARK_ONLY")
status=0
submit() { # label, driver arguments...
    local label=$1; shift
    timed "$label" "$spark_home/bin/spark-submit" \
        --master "spark://127.0.0.1:$master_port" --driver-memory "$driver_memory" \
        --conf spark.executor.memory="$memory" --conf spark.sql.shuffle.partitions=$((cores * 4)) \
        --conf spark.local.dir="$work/spark-local" \
        --driver-java-options "-Dlog4j2.configurationFile=file:$PWD/spark/log4j2.properties" \
        spark/rootlens_spark.py --quiet "${only[@]}" "$@" || status=$?
}

timed "rootlens run (DuckDB)" "$bin" run --db "$case_db" "${only[@]}" \
    --findings "$work/findings-duckdb.json" > /dev/null || [ $? -eq 1 ]

compare() { # the Spark findings file: its rows against DuckDB's, per investigation
    python3 - "$work/findings-duckdb.json" "$1" <<'PY'
import json, sys
def rows(path):
    return {f["id"]: (f["status"], sorted(json.dumps(r, sort_keys=True) for r in f["rows"]),
                      f.get("error"))
            for f in json.load(open(path))["investigations"]}
duck, spark = rows(sys.argv[1]), rows(sys.argv[2])
# Sigma rules run on DuckDB only; what Spark skipped (posture, and in raw mode what needs more
# than the records) is listed, not compared.
ids = [i for i in duck if not i.startswith("sigma.")]
skipped = [i for i in ids if spark.get(i, ("missing",))[0] == "skipped"]
compared = [i for i in ids if i not in skipped]
differ = [i for i in compared if duck[i][:2] != spark.get(i, (None, None))[:2]]
rows_total = sum(len(duck[i][1]) for i in compared)
print(f"{len(compared)} investigations compared ({rows_total} rows on DuckDB): "
      f"{len(compared) - len(differ)} give the same rows on both engines; "
      f"{len(skipped)} skipped on Spark")
for i in differ:
    s = spark.get(i, ("missing", [], None))
    print(f"  differs: {i} (DuckDB {duck[i][0]} {len(duck[i][1])} rows, Spark {s[0]} "
          f"{len(s[1])} rows{': ' + s[2] if s[2] else ''})")
for i in skipped:
    print(f"  skipped on Spark: {i}: {spark[i][2]}")
sys.exit(1 if differ else 0)
PY
}

for route in $routes; do
    case $route in
    parquet)
        if [ -z "${LAKE:-}" ]; then
            rm -rf "$lake"
            timed "export parquet" "$bin" export parquet --quiet --db "$case_db" --out "$lake"
        fi
        echo "events: $(find "$lake/events" -name '*.parquet' | wc -l) files in" \
             "$(find "$lake/events" -mindepth 3 -maxdepth 3 -type d | wc -l) partitions" \
             "(account/region/dt), $(du -sm "$lake/events" | cut -f1) MiB; whole export" \
             "$(du -sm "$lake" | cut -f1) MiB; case file" \
             "$(( $(stat -c %s "$case_db") / 1048576 )) MiB"
        submit "spark-submit parquet" \
            --events "$lake/events" --credential-reports "$lake/credential_report" \
            --out "$work/findings-spark-parquet.json"
        compare "$work/findings-spark-parquet.json" || status=1
        ;;
    raw)
        echo "archive: $archive: $(find "$archive" -type f | wc -l) files," \
             "$(du -sm "$archive" | cut -f1) MiB"
        rm -rf "$work/stage-$name"
        submit "spark-submit raw archive" \
            --cloudtrail "$archive" --stage "$work/stage-$name" \
            --out "$work/findings-spark-raw.json"
        echo "staged records: $(du -sm "$work/stage-$name" | cut -f1) MiB"
        compare "$work/findings-spark-raw.json" || status=1
        ;;
    *) echo "unknown route $route (parquet, raw)" >&2; exit 2 ;;
    esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"

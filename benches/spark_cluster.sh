#!/usr/bin/env bash
# The investigations on a real Spark cluster on this machine: a standalone master and one
# worker on 127.0.0.1 (the classes ship with the pyspark package), the driver submitted to it
# with spark-submit, over `rootlens export parquet` of a benchmark case. Prints the export's
# time, partition count and size, the Spark run's time, and compares its rows with DuckDB's.
#
#   benches/spark_cluster.sh [EVENTS] [WORKDIR]     (defaults: 1000000, /tmp/rootlens-bench)
#   CASE=/path/case.duckdb benches/spark_cluster.sh  (an existing case, copied, never written)
#
# Needs the virtual environment of .ci/run ($ROOTLENS_SPARK_VENV, default
# ~/.cache/rootlens-spark-venv) and Java 17+. WORKER_CORES / WORKER_MEMORY size the worker
# (default 2 cores, 3g); SPARK_ONLY limits the investigations (e.g. root,cis-monitoring).
source "$(dirname "$0")/common.sh" "$@"
venv=${ROOTLENS_SPARK_VENV:-$HOME/.cache/rootlens-spark-venv}
spark_home=$("$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME=$spark_home PYSPARK_PYTHON=$venv/bin/python SPARK_LOCAL_IP=127.0.0.1
cores=${WORKER_CORES:-2}
memory=${WORKER_MEMORY:-3g}

if [ -n "${CASE:-}" ]; then
    case_db="$work/$(basename "$CASE")"
    [ -f "$case_db" ] || cp "$CASE" "$case_db"
else
    ensure_case
fi
lake="$work/lake-$(basename "$case_db" .duckdb)"
logs="$work/spark-logs"
mkdir -p "$logs"

timed() { # label, command...: runs it, prints the wall seconds and peak memory
    local label=$1; shift
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$@"
    read -r wall kib < "$work/time.txt"
    printf '%-28s %8.1f s wall %7d MiB peak\n' "$label" "$wall" $((kib / 1024))
}

echo "case: $case_db; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
timed "export parquet" "$bin" export parquet --quiet --db "$case_db" --out "$lake"
echo "events: $(find "$lake/events" -name '*.parquet' | wc -l) files in $(find "$lake/events" -mindepth 3 -maxdepth 3 -type d | wc -l) partitions (account/region/dt), $(du -sm "$lake/events" | cut -f1) MiB; whole export $(du -sm "$lake" | cut -f1) MiB; case file $(( $(stat -c %s "$case_db") / 1048576 )) MiB"

# The cluster: one master, one worker, both on the loopback address.
master_port=${MASTER_PORT:-7177}
"$spark_home/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$master_port" --webui-port 0 > "$logs/master.log" 2>&1 &
master_pid=$!
"$spark_home/bin/spark-class" org.apache.spark.deploy.worker.Worker \
    --cores "$cores" --memory "$memory" --webui-port 0 "spark://127.0.0.1:$master_port" \
    > "$logs/worker.log" 2>&1 &
worker_pid=$!
trap 'kill "$worker_pid" "$master_pid" 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 60); do
    grep -q "Successfully registered with master" "$logs/worker.log" && break
    sleep 1
done
grep -q "Successfully registered with master" "$logs/worker.log" \
    || { echo "the worker did not register (see $logs)" >&2; exit 2; }
echo "cluster: master spark://127.0.0.1:$master_port, worker $cores cores $memory"

only=()
[ -n "${SPARK_ONLY:-}" ] && only=(--only "$SPARK_ONLY")
status=0
timed "spark-submit (cluster)" "$spark_home/bin/spark-submit" \
    --master "spark://127.0.0.1:$master_port" \
    --conf spark.executor.memory="$memory" --conf spark.sql.shuffle.partitions=$((cores * 4)) \
    --driver-java-options "-Dlog4j2.configurationFile=file:$PWD/spark/log4j2.properties" \
    spark/rootlens_spark.py --quiet "${only[@]}" \
    --events "$lake/events" --credential-reports "$lake/credential_report" \
    --out "$work/findings-spark.json" || status=$?
timed "rootlens run (DuckDB)" "$bin" run --db "$case_db" "${only[@]}" \
    --findings "$work/findings-duckdb.json" > /dev/null
python3 - "$work/findings-duckdb.json" "$work/findings-spark.json" <<'PY'
import json, sys
def rows(path):
    return {f["id"]: (f["status"], sorted(json.dumps(r, sort_keys=True) for r in f["rows"]))
            for f in json.load(open(path))["investigations"]}
duck, spark = rows(sys.argv[1]), rows(sys.argv[2])
differ = [i for i in duck if duck[i] != spark.get(i)]
print(f"{len(duck)} investigations; {len(duck) - len(differ)} give the same rows on both engines")
for i in differ:
    print(f"  differs: {i} (DuckDB {duck[i][0]} {len(duck[i][1])} rows, Spark "
          f"{spark.get(i, ('missing', []))[0]} {len(spark.get(i, ('', []))[1])} rows)")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"

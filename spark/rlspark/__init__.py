"""rootlens investigations on Apache Spark: the same .sql files, translated by sqlglot."""

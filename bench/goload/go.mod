module stallscope.dev/bench/goload

go 1.22

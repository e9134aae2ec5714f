module stallscope.dev/bench/blockserver

go 1.22

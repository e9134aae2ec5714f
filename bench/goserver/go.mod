module stallscope.dev/bench/goserver

go 1.22

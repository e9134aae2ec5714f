module stallscope.dev/workloads/goserver

go 1.21

module stallscope.dev/workloads/cpuburner

go 1.21

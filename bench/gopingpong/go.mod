module stallscope.bench/gopingpong

go 1.22

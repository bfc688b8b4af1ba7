from argus_flink.cli import main

main()

# The main job (make run), today: the first cross-domain exchange between
# dom0 and a PV domU, printed in full.
scenario_begin 300
domu_create main exchange
run_suites
domu_destroy

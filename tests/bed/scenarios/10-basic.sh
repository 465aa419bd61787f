# One PV domU runs every cross-domain suite, dom0 side against domU side.
scenario_begin 300
domu_create basic bedcheck,xs,gnt,evtchn
run_suites
domu_destroy

# tests/soak/soak.mk: included by the Makefile.
#
#   make soak [SOAK_S=600]   gort under a mixed load for SOAK_S seconds (10
#                            minutes by default), RSS and threads sampled
#                            each second; fails if either grows after the
#                            warm-up, or a workload stalls (tests/soak/soak.cpp)
#
# The samples go to $(O)/soak/soak.csv, the RSS curve to $(O)/soak/rss.svg.
# `make test` runs a 60-second soak after the suite (CI). One workload
# alone: SOAK_ONLY=chan make soak (tests/soak/soak.cpp lists the names).
SOAK_S ?= 600

$(O)/soak/soak: tests/soak/soak.cpp $(SDK)
	@mkdir -p $(@D)
	$(DRV) -std=c++20 -O2 -g $(WARN) $< -o $@

soak: $(O)/soak/soak
	$(O)/soak/soak $(SOAK_S) $(O)/soak/soak.csv $(O)/soak/rss.svg

.PHONY: soak

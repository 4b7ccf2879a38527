# examples/net.mk: the network examples and their benchmark. Included by
# the Makefile.
#
#   make            also builds build/examples/{echo_server,echo_client,http_hello}
#   make check      the tests in tests/net/ run them (against curl, each
#                   other, and plain-socket clients), in both flavours
#   make bench-net  http_hello and echo_server against Go (net/http, a raw
#                   TCP responder, an echo server) and nginx, under wrk and
#                   an echo client: bench/net/run, results in bench/NET.md

NET_EXAMPLES := $(O)/examples/echo_server $(O)/examples/echo_client $(O)/examples/http_hello

all: $(NET_EXAMPLES)

$(O)/examples/%: examples/%.cpp $(SDK)
	@mkdir -p $(@D)
	$(DRV) -O2 -g $(WARN) $< -o $@

# The same servers in the nolibc flavour, for the nolibc run of make check.
NET_EXAMPLES_NOLIBC := $(if $(SANITIZE),,$(NET_EXAMPLES:$(O)/examples/%=$(O)/examples/nolibc/%))
$(O)/examples/nolibc/%: examples/%.cpp $(SDK)
	@mkdir -p $(@D)
	$(DRV) --nolibc -O2 -g $(WARN) $< -o $@
check: $(NET_EXAMPLES_NOLIBC)

bench-net: all
	scripts/install-deps bench-net
	bench/net/run

.PHONY: bench-net

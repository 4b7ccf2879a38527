// bench/common/bench.go: helpers shared by the Go workloads; bench/run
// builds each workload's main.go together with this file (both package main).
package main

import (
	"os"
	"strconv"
)

// arg returns os.Args[i] as an integer, or def when it is absent or invalid.
func arg(i int, def int64) int64 {
	if len(os.Args) > i {
		v, err := strconv.ParseInt(os.Args[i], 10, 64)
		if err == nil {
			return v
		}
	}
	return def
}

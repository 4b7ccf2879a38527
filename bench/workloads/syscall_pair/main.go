// syscall_pair (Go): the cost of entersyscall + exitsyscall: getppid
// through syscall.RawSyscall and through syscall.Syscall, N of each, in
// alternating batches; reports the median per-batch difference per call and
// the raw call. Usage: main N
package main

import (
	"fmt"
	"sort"
	"syscall"
	"time"
)

func main() {
	n := arg(1, 2000000)
	batch := int64(10000)
	if n < 20000 {
		batch = n/10 + 1
	}
	rounds := n / batch
	var sum uintptr
	var raw, diff []float64
	for r := int64(0); r < rounds; r++ {
		t0 := time.Now()
		for i := int64(0); i < batch; i++ {
			v, _, _ := syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
			sum += v
		}
		a := float64(time.Since(t0).Nanoseconds()) / float64(batch)
		t0 = time.Now()
		for i := int64(0); i < batch; i++ {
			v, _, _ := syscall.Syscall(syscall.SYS_GETPPID, 0, 0, 0)
			sum += v
		}
		b := float64(time.Since(t0).Nanoseconds()) / float64(batch)
		raw = append(raw, a)
		diff = append(diff, b-a)
	}
	if sum == 0 {
		panic("getppid")
	}
	sort.Float64s(raw)
	sort.Float64s(diff)
	fmt.Printf("result ns_per_op=%g raw_ns=%g n=%d\n", diff[len(diff)/2], raw[len(raw)/2], rounds*batch)
}

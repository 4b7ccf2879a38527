// hooked_write (Go): N one-byte writes to /dev/null through syscall.Write
// (Syscall: entersyscall, the system call, exitsyscall). Reports ns per
// write. Usage: main N
package main

import (
	"fmt"
	"syscall"
	"time"
)

func main() {
	n := arg(1, 2000000)
	fd, err := syscall.Open("/dev/null", syscall.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	b := []byte("x")
	for i := int64(0); i < n/10; i++ {
		syscall.Write(fd, b)
	}
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		syscall.Write(fd, b)
	}
	fmt.Printf("result ns_per_op=%g n=%d\n", float64(time.Since(t0).Nanoseconds())/float64(n), n)
}

// tests/loader/progs/hello.go: a Go program (built static and PIE at test
// time), run by execve and by gort-exec.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	c := make(chan int)
	for i := 0; i < 4; i++ {
		go func(n int) { c <- n * n }(i)
	}
	sum := 0
	for i := 0; i < 4; i++ {
		sum += <-c
	}
	fmt.Printf("go %s args %q env %d sum %d\n", runtime.GOARCH, os.Args[1:], len(os.Environ()), sum)
	os.Exit(3)
}

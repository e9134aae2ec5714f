// The per-hit figure of bench/go-runtime-overhead.mjs: on one P, two
// goroutines pass a value back and forth over unbuffered channels (every pass
// parks one goroutine and runs the other: one gopark and one execute each),
// then goroutines are started and waited for one at a time (one newproc1 and
// one goexit1 each). Starts measuring after a line on stdin (so a tracer can
// attach first). Prints ns per pass and per goroutine as JSON.
// usage: gopingpong PASSES GOROUTINES
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	passes, _ := strconv.Atoi(os.Args[1])
	goroutines, _ := strconv.Atoi(os.Args[2])
	runtime.GOMAXPROCS(1)
	os.Stdout.WriteString("ready\n")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		os.Exit(1)
	}

	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	start := time.Now()
	for i := 0; i < passes/2; i++ {
		ping <- i
		<-pong
	}
	passNs := float64(time.Since(start).Nanoseconds()) / float64(max(passes/2*2, 1))
	close(ping)

	done := make(chan struct{})
	start = time.Now()
	for i := 0; i < goroutines; i++ {
		go func() { done <- struct{}{} }()
		<-done
	}
	goroutineNs := float64(time.Since(start).Nanoseconds()) / float64(max(goroutines, 1))
	out, _ := json.Marshal(map[string]float64{"passNs": passNs, "goroutineNs": goroutineNs})
	os.Stdout.Write(append(out, '\n'))
}

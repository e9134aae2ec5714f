// Burns CPU in two functions with a 3:1 work ratio: each goroutine calls
// burnHeavy (three units of work) then burnLight (one unit), again and again,
// for the given time. A unit is the same loop in both, so their CPU time is
// 3:1 whatever else the machine runs; each runs its loop itself, so the
// sampled leaf is the function. Then it lingers, idle, for LINGER_MS: a
// profiler names a process's stacks from its memory maps while it lives.
// One JSON line at the end.
// usage: cpuburner DURATION_MS GOROUTINES LINGER_MS
package main

import (
	"encoding/json"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const iterationsPerUnit = 20_000_000

var sink atomic.Uint64

//go:noinline
func burnHeavy() {
	x := uint64(1)
	for i := 0; i < 3*iterationsPerUnit; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink.Add(x)
}

//go:noinline
func burnLight() {
	x := uint64(1)
	for i := 0; i < iterationsPerUnit; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink.Add(x)
}

func main() {
	durationMs, _ := strconv.Atoi(os.Args[1])
	goroutines, _ := strconv.Atoi(os.Args[2])
	lingerMs, _ := strconv.Atoi(os.Args[3])
	deadline := time.Now().Add(time.Duration(durationMs) * time.Millisecond)
	var rounds atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				burnHeavy()
				burnLight()
				rounds.Add(1)
			}
		}()
	}
	wg.Wait()
	time.Sleep(time.Duration(lingerMs) * time.Millisecond)
	json.NewEncoder(os.Stdout).Encode(map[string]int64{"pid": int64(os.Getpid()), "rounds": rounds.Load()})
}

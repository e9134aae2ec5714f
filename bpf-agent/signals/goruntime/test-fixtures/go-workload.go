// The goruntime signal's workload: after "go" on stdin (or, given START_MS,
// that many ms after it starts: time for an agent to probe it) it runs for the
// given seconds a forced GC every 100 ms, 1,000 short goroutines a second,
// workers contending for one sync.Mutex, and receivers waiting on a channel;
// then it prints what it measured itself as one JSON line and exits.
// usage: go-workload SECONDS [START_MS]
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const (
	spawnPerSecond = 1000
	mutexWorkers   = 4
	receivers      = 2
)

type report struct {
	Seconds            float64 `json:"seconds"`
	GoroutinesCreated  int64   `json:"goroutinesCreated"`
	GCCycles           uint64  `json:"gcCycles"`
	GCPauses           uint64  `json:"gcPauses"`
	MutexWaitSeconds   float64 `json:"mutexWaitSeconds"`
	ChannelWaitSeconds float64 `json:"channelWaitSeconds"`
}

var samples = []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/sched/pauses/total/gc:seconds"}}

func gcFigures() (cycles, pauses uint64) {
	metrics.Read(samples)
	for _, n := range samples[1].Value.Float64Histogram().Counts {
		pauses += n
	}
	return samples[0].Value.Uint64(), pauses
}

//go:noinline
func mutexWorker(mu *sync.Mutex, stop *atomic.Bool, waited *atomic.Int64, wg *sync.WaitGroup) {
	defer wg.Done()
	for !stop.Load() {
		start := time.Now()
		mu.Lock()
		waited.Add(int64(time.Since(start)))
		time.Sleep(time.Millisecond) // held while sleeping: the others park on Lock
		mu.Unlock()
	}
}

//go:noinline
func receiver(ch <-chan int, waited *atomic.Int64, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		start := time.Now()
		_, ok := <-ch
		if !ok {
			return
		}
		waited.Add(int64(time.Since(start)))
	}
}

func main() {
	seconds, err := strconv.ParseFloat(os.Args[1], 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "usage: go-workload SECONDS [START_MS]")
		os.Exit(2)
	}
	if len(os.Args) > 2 {
		startMs, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, "usage: go-workload SECONDS [START_MS]")
			os.Exit(2)
		}
		time.Sleep(time.Duration(startMs) * time.Millisecond)
	} else {
		fmt.Println("ready")
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			os.Exit(1)
		}
	}
	cycles0, pauses0 := gcFigures()
	begin := time.Now()
	var created atomic.Int64
	var stop atomic.Bool
	var mutexWaited, channelWaited atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan int)

	for i := 0; i < mutexWorkers; i++ {
		wg.Add(1)
		created.Add(1)
		go mutexWorker(&mu, &stop, &mutexWaited, &wg)
	}
	var receiversDone sync.WaitGroup
	for i := 0; i < receivers; i++ {
		receiversDone.Add(1)
		created.Add(1)
		go receiver(ch, &channelWaited, &receiversDone)
	}
	wg.Add(1)
	created.Add(1)
	go func() { // the sender: receivers wait about 3 ms for each value
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			time.Sleep(3 * time.Millisecond)
			ch <- i
		}
		close(ch)
	}()
	wg.Add(1)
	created.Add(1)
	go func() { // a forced GC every 100 ms
		defer wg.Done()
		for !stop.Load() {
			runtime.GC()
			time.Sleep(100 * time.Millisecond)
		}
	}()

	// 1,000 short goroutines a second, paced by the clock.
	var spawned sync.WaitGroup
	for time.Since(begin).Seconds() < seconds {
		due := int64(time.Since(begin).Seconds() * spawnPerSecond)
		for n := created.Load(); n < due+mutexWorkers+receivers+2; n++ {
			spawned.Add(1)
			created.Add(1)
			go func() { spawned.Done() }()
		}
		time.Sleep(2 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	receiversDone.Wait()
	spawned.Wait()
	elapsed := time.Since(begin).Seconds()
	cycles1, pauses1 := gcFigures()
	out, _ := json.Marshal(report{
		Seconds:            elapsed,
		GoroutinesCreated:  created.Load(),
		GCCycles:           cycles1 - cycles0,
		GCPauses:           pauses1 - pauses0,
		MutexWaitSeconds:   float64(mutexWaited.Load()) / 1e9,
		ChannelWaitSeconds: float64(channelWaited.Load()) / 1e9,
	})
	fmt.Println(string(out))
}

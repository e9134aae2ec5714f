// A constant-rate HTTP load generator (wrk2 is not packaged by Debian).
// Request i is due at start + i/rate whether or not earlier ones have
// answered, and its latency counts from that due time, not from when a
// connection was free to send it: a stall delays every request due during it,
// and they all show it (no coordinated omission). Prints one JSON line.
// usage: goload -url URL -rate N -duration 10s [-conns 64]
package main

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "URL to GET")
	rate := flag.Float64("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	conns := flag.Int("conns", 64, "concurrent connections (keep-alive)")
	flag.Parse()

	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns},
		Timeout:   10 * time.Second,
	}
	total := int(*rate * duration.Seconds())
	// Due times are computed, never read from the clock when a worker frees
	// up; a full queue delays sending, not the due time.
	due := make(chan time.Time, total)
	latencies := make([][]time.Duration, *conns)
	errors := make([]int, *conns)
	var wg sync.WaitGroup
	for worker := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range due {
				if wait := time.Until(at); wait > 0 {
					time.Sleep(wait)
				}
				response, err := client.Get(*url)
				if err == nil {
					_, err = io.Copy(io.Discard, response.Body)
					response.Body.Close()
				}
				if err != nil || response.StatusCode != http.StatusOK {
					errors[worker]++
					continue
				}
				latencies[worker] = append(latencies[worker], time.Since(at))
			}
		}()
	}
	start := time.Now().Add(50 * time.Millisecond)
	interval := time.Duration(float64(time.Second) / *rate)
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		due <- at
	}
	close(due)
	wg.Wait()
	elapsed := time.Since(start)

	all := slices.Concat(latencies...)
	slices.Sort(all)
	quantile := func(q float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(q*float64(len(all))))].Microseconds()) / 1000
	}
	failed := 0
	for _, count := range errors {
		failed += count
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"requests": len(all), "errors": failed, "elapsedS": elapsed.Seconds(),
		"p50Ms": quantile(0.50), "p99Ms": quantile(0.99), "p999Ms": quantile(0.999), "maxMs": quantile(1),
	})
}

// A JVM service at rest: a fixed pool of worker threads, each started by one
// task and then parked waiting for the next (LockSupport.park inside the
// pool's queue), and a main thread sleeping. Prints {"idleThreads":N,
// "durationNs":D} once the pool has been idle for D ns.
// usage: java IdlePool.java THREADS SECONDS
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public class IdlePool {
    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        long seconds = Long.parseLong(args[1]);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch started = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) pool.submit(started::countDown);
        started.await();
        long from = System.nanoTime();
        Thread.sleep(seconds * 1000);
        long durationNs = System.nanoTime() - from;
        pool.shutdownNow();
        System.out.println("{\"idleThreads\":" + threads + ",\"durationNs\":" + durationNs + "}");
    }
}

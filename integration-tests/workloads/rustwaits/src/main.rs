// Rust's blocking waits for the wait-class suite: four threads contending on
// one std::sync::Mutex (lock), and two that wait for work the whole run, one
// on a channel and one on a condition variable (idle). Prints what it
// measured as one JSON line: the time the lockers waited in lock(), and how
// long the idle threads waited.
use std::env;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const LOCKERS: usize = 4;
const HOLD: Duration = Duration::from_millis(2);
const IDLE_POLL: Duration = Duration::from_millis(100);

fn main() {
    let seconds: u64 = env::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(4);
    let run = Duration::from_secs(seconds);
    let start = Instant::now();

    let counter = Arc::new(Mutex::new(0u64));
    let lockers: Vec<_> = (0..LOCKERS)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                let mut waited = Duration::ZERO;
                while start.elapsed() < run {
                    let before = Instant::now();
                    let mut guard = counter.lock().unwrap();
                    waited += before.elapsed();
                    *guard += 1;
                    thread::sleep(HOLD);
                }
                waited
            })
        })
        .collect();

    // Nothing is ever sent: the receiver waits out the run.
    let (_sender, receiver) = mpsc::channel::<u64>();
    let receiving = thread::spawn(move || loop {
        match receiver.recv_timeout(IDLE_POLL) {
            Err(RecvTimeoutError::Timeout) if start.elapsed() < run => continue,
            _ => return start.elapsed(),
        }
    });
    // The condition never becomes true: the worker waits out the run.
    let work = Arc::new((Mutex::new(false), Condvar::new()));
    let waiting_work = Arc::clone(&work);
    let waiting = thread::spawn(move || {
        let (ready, condition) = &*waiting_work;
        let mut guard = ready.lock().unwrap();
        while !*guard && start.elapsed() < run {
            guard = condition.wait_timeout(guard, IDLE_POLL).unwrap().0;
        }
        start.elapsed()
    });

    let mutex_wait: Duration = lockers.into_iter().map(|locker| locker.join().unwrap()).sum();
    let idle = receiving.join().unwrap() + waiting.join().unwrap();
    println!(
        "{{\"mutexWaitNs\":{},\"idleThreads\":2,\"idleNs\":{},\"durationNs\":{}}}",
        mutex_wait.as_nanos(),
        idle.as_nanos(),
        start.elapsed().as_nanos()
    );
}

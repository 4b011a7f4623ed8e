package bot

import (
	"sync"

	"github.com/samvad/samvad/recording"
)

// eventWriter writes the bot's events in the order they were emitted, on a
// goroutine of its own. Events come from every room's packet path (a room
// that starts or stops speaking, a segment that opens) and events.jsonl is
// synced after every write: a slow or full disk must delay the events, never
// the audio. Whatever queued up while one write was syncing goes out in the
// next write, with one sync.
type eventWriter struct {
	write func([]recording.Event) // on the writer's goroutine, in order

	mu     sync.Mutex
	queue  []recording.Event
	closed bool
	late   sync.Mutex // serialises the writes of events emitted after close

	wake chan struct{} // capacity 1: there is something in the queue
	stop chan struct{}
	done chan struct{}
}

func startEventWriter(write func([]recording.Event)) *eventWriter {
	w := &eventWriter{write: write, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// emit queues e; it never waits for the disk. After close, e is written on
// the caller's goroutine, after everything queued, so that nothing is lost.
func (w *eventWriter) emit(e recording.Event) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		w.late.Lock()
		defer w.late.Unlock()
		w.write([]recording.Event{e})
		return
	}
	w.queue = append(w.queue, e)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *eventWriter) run() {
	defer close(w.done)
	var batch []recording.Event
	for {
		select {
		case <-w.wake:
		case <-w.stop:
		}
		w.mu.Lock()
		batch, w.queue = w.queue, batch[:0]
		last := w.closed
		w.mu.Unlock()
		if len(batch) > 0 {
			w.write(batch)
			clear(batch) // the events' Stats and strings go with them
		}
		if last {
			return
		}
	}
}

// close writes everything queued and stops the goroutine; later events are
// written by emit itself.
func (w *eventWriter) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.done
}

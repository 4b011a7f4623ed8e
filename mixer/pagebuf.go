package mixer

import "io"

// pageBuffer collects whole Ogg pages and writes them out on Flush. The Ogg
// writer hands over one complete page per Write and the buffer only writes
// between Writes, so the file on disk always ends on a page boundary: a
// process killed at any moment leaves a file that plays up to the last
// flush. (bufio.Writer would split a page that does not fit.) Errors are
// sticky.
type pageBuffer struct {
	w   io.Writer
	buf []byte
	err error
}

func newPageBuffer(w io.Writer, size int) *pageBuffer {
	return &pageBuffer{w: w, buf: make([]byte, 0, size)}
}

func (b *pageBuffer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.Flush(); err != nil {
			return 0, err
		}
	}
	if len(p) > cap(b.buf) {
		return b.write(p)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes out everything buffered.
func (b *pageBuffer) Flush() error {
	if b.err != nil || len(b.buf) == 0 {
		return b.err
	}
	if _, err := b.write(b.buf); err != nil {
		return err
	}
	b.buf = b.buf[:0]
	return nil
}

func (b *pageBuffer) write(p []byte) (int, error) {
	n, err := b.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	b.err = err
	return n, err
}

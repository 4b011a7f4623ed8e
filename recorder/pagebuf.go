package recorder

import "io"

// pageBuffer collects whole Ogg pages in a fixed buffer and writes them out
// on Flush. The Ogg writer hands over one complete page per Write, and the
// buffer only ever flushes between Writes, so the file on disk always ends on
// a page boundary (unless the kernel itself cuts a write short). Errors are
// sticky: after one, nothing more is written.
type pageBuffer struct {
	w   io.Writer
	buf []byte
	err error
}

func newPageBuffer(w io.Writer, size int) pageBuffer {
	return pageBuffer{w: w, buf: make([]byte, 0, size)}
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
		n, err := b.w.Write(p)
		if err == nil && n < len(p) {
			err = io.ErrShortWrite
		}
		b.err = err
		return n, err
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes out everything buffered.
func (b *pageBuffer) Flush() error {
	if b.err != nil || len(b.buf) == 0 {
		return b.err
	}
	n, err := b.w.Write(b.buf)
	if err == nil && n < len(b.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		b.err = err
		return err
	}
	b.buf = b.buf[:0]
	return nil
}

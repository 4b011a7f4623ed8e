package main

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// parseWAV reads a mono 16-bit PCM WAV file, as espeak-ng writes, into
// samples in [-1, 1] and its sample rate. It walks the RIFF chunks rather
// than assuming a 44-byte header, and trusts the data chunk's length only
// as far as the file goes: a WAV written to a pipe says 0xFFFFFFFF there.
func parseWAV(b []byte) ([]float32, int, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a RIFF WAVE file")
	}
	var rate int
	var haveFmt bool
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		if size < len(body) {
			body = body[:size]
		}
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, 0, errors.New("short fmt chunk")
			}
			format := binary.LittleEndian.Uint16(body[0:2])
			channels := binary.LittleEndian.Uint16(body[2:4])
			bits := binary.LittleEndian.Uint16(body[14:16])
			if format != 1 || channels != 1 || bits != 16 {
				return nil, 0, fmt.Errorf("want mono 16-bit PCM, got format %d, %d channels, %d bits", format, channels, bits)
			}
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, 0, errors.New("data chunk before fmt chunk")
			}
			pcm := make([]float32, len(body)/2)
			for i := range pcm {
				pcm[i] = float32(int16(binary.LittleEndian.Uint16(body[2*i:]))) / 32768
			}
			return pcm, rate, nil
		}
		p += 8 + size + size&1 // chunks are padded to even length
	}
	return nil, 0, errors.New("no data chunk")
}

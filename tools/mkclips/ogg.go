package main

import (
	"fmt"
	"hash/fnv"
	"io"

	"github.com/samvad/samvad/voice"
	"github.com/thesyncim/gopus/container/ogg"
)

// packetsPerPage puts a second of audio on each Ogg page: a page costs 27
// bytes of header, as much as a packet of speech, so gopus's own Writer
// (one packet per page) would nearly double the clips' size.
const packetsPerPage = 50

// writeOgg writes u as an Ogg Opus stream (RFC 7845) built from gopus's
// page and header types. Unlike ogg.Writer, whose serial number is random,
// it derives the serial from the room id, so that running mkclips again on
// the same input gives the same bytes and no spurious diff.
func writeOgg(w io.Writer, roomID, title string, u voice.Utterance) error {
	serial := fnv.New32a()
	serial.Write([]byte(roomID))
	page := ogg.Page{SerialNumber: serial.Sum32()}
	emit := func(what string) error {
		if _, err := w.Write(page.Encode()); err != nil {
			return fmt.Errorf("write %s page: %w", what, err)
		}
		page.PageSequence++
		return nil
	}

	head := ogg.DefaultOpusHead(voice.SampleRate, 1) // its pre-skip is the encoder's 312-sample lookahead
	page.HeaderType, page.Segments, page.Payload = ogg.PageFlagBOS, ogg.BuildSegmentTable(len(head.Encode())), head.Encode()
	if err := emit("OpusHead"); err != nil {
		return err
	}
	// One comment only: OpusTags.Encode walks its map in random order.
	tags := &ogg.OpusTags{Vendor: "samvad mkclips (gopus)", Comments: map[string]string{"TITLE": title}}
	page.HeaderType, page.Segments, page.Payload = 0, ogg.BuildSegmentTable(len(tags.Encode())), tags.Encode()
	if err := emit("OpusTags"); err != nil {
		return err
	}

	for start := 0; start < u.Len(); start += packetsPerPage {
		end := min(start+packetsPerPage, u.Len())
		page.HeaderType, page.Segments, page.Payload = 0, nil, nil
		for i := start; i < end; i++ {
			p := u.Packet(i).Opus
			page.Segments = append(page.Segments, ogg.BuildSegmentTable(len(p))...)
			page.Payload = append(page.Payload, p...)
		}
		if len(page.Segments) > 255 {
			return fmt.Errorf("page of packets %d-%d needs %d lacing values, over 255", start, end-1, len(page.Segments))
		}
		// The granule position counts the samples of every packet that
		// ends on this page or before; playing starts after the pre-skip.
		page.GranulePos = uint64(end * voice.FrameSamples)
		if end == u.Len() {
			page.HeaderType = ogg.PageFlagEOS
		}
		if err := emit("audio"); err != nil {
			return err
		}
	}
	return nil
}

package meeting

import (
	"bytes"
	"fmt"
	"os"
	"reflect"

	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds a meeting file: a few hundred rooms fit in far less.
const MaxFileSize = 1 << 20

// Load reads, decodes and validates the meeting file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read meeting file: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a meeting file's bytes; name is used in
// messages.
func Parse(name string, data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, &Error{File: name, Problems: []Problem{{Msg: fmt.Sprintf("file is %d bytes, more than the %d allowed", len(data), MaxFileSize)}}}
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, &Error{File: name, Problems: []Problem{{Msg: "not valid YAML: " + cleanYAMLError(err)}}}
	}
	var extra yaml.Node
	if dec.Decode(&extra) == nil {
		return nil, &Error{File: name, Problems: []Problem{{Line: extra.Line, Msg: "more than one YAML document"}}}
	}
	f := &File{Path: name}
	d := &decoder{}
	d.decode(&root, reflect.ValueOf(f).Elem(), "")
	if len(d.problems) == 0 {
		d.problems = f.validate(&root)
	}
	if len(d.problems) > 0 {
		return nil, &Error{File: name, Problems: d.problems}
	}
	return f, nil
}

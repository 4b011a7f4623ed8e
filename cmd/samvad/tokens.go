package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/samvad/samvad/meeting"
)

func runTokens(ctx context.Context, args []string, e *env) error {
	fs := newFlags("tokens", e)
	config := fs.String("config", "", "meeting file (YAML)")
	write := fs.Bool("write", false, "write the new hashes into the meeting file (the old one is kept as F.bak)")
	base := fs.String("url", "", "base URL for the links (default: server.public_url, else http://localhost<listen>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config == "" {
		fs.Usage()
		return errors.New("tokens needs --config")
	}
	f, err := meeting.Load(*config)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*config)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", *config, err)
	}
	secrets := map[string]string{} // field path → secret
	mint := func(path string, tokenNode *yaml.Node) {
		secret := rand.Text()
		secrets[path] = secret
		if tokenNode == nil {
			return
		}
		tokenNode.Kind, tokenNode.Tag, tokenNode.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
		tokenNode.Content = []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sha256"},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: meeting.Hash(secret)},
		}
	}
	top := doc.Content[0]
	mint("recorder_token", field(top, "recorder_token"))
	mint("staff_token", field(top, "staff_token"))
	if sec := field(top, "secretary_token"); sec != nil {
		mint("secretary_token", sec)
	}
	rooms := field(top, "rooms")
	for i, r := range f.Rooms {
		var tn *yaml.Node
		if rooms != nil && i < len(rooms.Content) {
			tn = field(rooms.Content[i], "token")
		}
		mint("room:"+r.ID, tn)
	}

	link := *base
	if link == "" {
		link = f.Server.PublicURL
	}
	if link == "" {
		link = "http://localhost" + f.Server.Listen[strings.LastIndex(f.Server.Listen, ":"):]
	}
	link = strings.TrimSuffix(link, "/")
	w := e.stdout
	fmt.Fprintf(w, "# Fresh tokens for %s (%s). Keep this output secret: hand each room only its own link.\n", f.Meeting.ID, *config)
	fmt.Fprintf(w, "# The token is in the link's fragment (#...), which browsers never send to the server.\n\n")
	fmt.Fprintf(w, "recorder token (samvad bot: export SAMVAD_RECORDER_TOKEN=...): %s\n", secrets["recorder_token"])
	fmt.Fprintf(w, "roll call (IT staff):  %s/rollcall#token=%s\n", link, secrets["staff_token"])
	fmt.Fprintf(w, "recordings (IT staff): %s/recordings#token=%s\n", link, secrets["staff_token"])
	if sec, ok := secrets["secretary_token"]; ok {
		fmt.Fprintf(w, "recordings (secretaries, read-only): %s/recordings#token=%s\n", link, sec)
	}
	fmt.Fprintln(w)
	for _, r := range f.Rooms {
		fmt.Fprintf(w, "%-22s %s/join/%s#token=%s\n", r.Name+":", link, r.ID, secrets["room:"+r.ID])
	}
	if !*write {
		fmt.Fprintf(w, "\n# Not written: run again with --write to put the new hashes into %s.\n", *config)
		return nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	out := buf.Bytes()
	if _, err := meeting.Parse(*config, out); err != nil {
		return fmt.Errorf("the rewritten file would not load: %w", err)
	}
	if err := os.WriteFile(*config+".bak", data, 0o600); err != nil {
		return fmt.Errorf("keep the old file: %w", err)
	}
	tmp := *config + ".tmp"
	if err := os.WriteFile(tmp, out, 0o640); err != nil {
		return err
	}
	if err := os.Rename(tmp, *config); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n# Wrote the new hashes into %s (the old file is %s.bak).\n", *config, *config)
	return nil
}

// field returns the value node of key in a mapping node.
func field(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

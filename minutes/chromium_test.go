package minutes

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The page in a real browser: Debian's chromium, driven from the command
// line (no browser download, no extra module). Skipped where chromium is
// not installed; CI machines get it with `apt-get install -y chromium`.

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("SAMVAD_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install -y chromium): minutes.html not checked in a browser")
	return ""
}

// runChromium runs headless chromium on a local page, offline in effect:
// every flag that makes it reach out is off.
func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--mute-audio", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
		// Draw everything, and let the page settle, before the capture.
		"--run-all-compositor-stages-before-draw", "--virtual-time-budget=3000",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

// consoleErrors are the page's script errors as chromium logs them.
func consoleErrors(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, ":CONSOLE") && (strings.Contains(l, "Uncaught") || strings.Contains(l, "Error")) {
			out = append(out, l)
		}
	}
	return out
}

var bodyTag = regexp.MustCompile(`<body[^>]*>`)

func TestPageInChromium(t *testing.T) {
	bin := chromium(t)
	dir := fixture(t, true)
	build(t, dir)

	// The clicks are made by a test script added to a copy of the page:
	// clicking a turn in the list or in the timeline, or pressing Enter on
	// one, must seek the player there and stay on the page.
	probe := `<script>(function () {
  var p = document.getElementById("player");
  var link = document.querySelector("a.seek");
  var turns = document.querySelectorAll("g.turn[role=button]");
  var got = [];
  link.click();
  got.push(link.getAttribute("data-t") + "=" + p.currentTime);
  turns[4].dispatchEvent(new MouseEvent("click", {bubbles: true}));
  got.push(turns[4].getAttribute("data-t") + "=" + p.currentTime);
  turns[2].focus();
  turns[2].dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
  got.push(turns[2].getAttribute("data-t") + "=" + p.currentTime);
  document.body.setAttribute("data-seeks", got.join(" "));
  document.body.setAttribute("data-at", location.pathname.split("/").pop());
})();</script></body>`
	probed := filepath.Join(dir, "probe.html")
	writeFile(t, probed, strings.Replace(readFile(t, filepath.Join(dir, PageFile)), "</body>", probe, 1))

	// One browser run (each costs seconds): a screenshot and the DOM after
	// the scripts ran.
	shot := filepath.Join(t.TempDir(), "minutes.png")
	var body, stderr string
	for try := 1; try <= 2; try++ {
		var dom string
		dom, stderr = runChromium(t, bin, "--window-size=1280,1800", "--screenshot="+shot, "--dump-dom", "file://"+probed)
		body = bodyTag.FindString(dom)
		if strings.Contains(body, "data-ok") || strings.Contains(body, "data-errors") || len(consoleErrors(stderr)) > 0 {
			break
		}
		// Neither success nor an error: the page never ran, which a
		// heavily loaded machine has been seen to cause. Once more.
		t.Logf("chromium gave a page that never ran (try %d): %s", try, body)
	}
	if !strings.Contains(body, `data-ok="1"`) || strings.Contains(body, "data-errors") {
		t.Errorf("the page's script did not finish cleanly: %s", body)
	}
	if errs := consoleErrors(stderr); len(errs) > 0 {
		t.Errorf("script errors:\n%s", strings.Join(errs, "\n"))
	}
	if !strings.Contains(body, `data-seeks="150=150 720=720 3420=3420"`) || !strings.Contains(body, `data-at="probe.html"`) {
		t.Errorf("clicking turns did not seek the player: %s", body)
	}

	// The screenshot: the page renders to something, not a blank.
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	colours, inked := map[uint32]bool{}, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>11<<10|g>>11<<5|bl>>11] = true
			if r < 0xc000 || g < 0xc000 || bl < 0xc000 {
				inked++
			}
		}
	}
	if b.Dx() != 1280 || len(colours) < 16 || inked < b.Dx()*b.Dy()/4/100 {
		t.Errorf("screenshot %v: %d colours, %d inked pixels: looks blank", b, len(colours), inked)
	}
	t.Logf("screenshot %s (%v, %d colours, %d of %d sampled pixels inked)", shot, b.Size(), len(colours), inked, b.Dx()*b.Dy()/4)
}

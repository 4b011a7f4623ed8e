package minutes

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
// every flag that makes it reach out is off. env is added to the process's
// environment.
func runChromium(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string) {
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
	cmd.Env = append(os.Environ(), env...)
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
` + fontProbe + `
})();</script></body>`
	probed := filepath.Join(dir, "probe.html")
	// The browser sees no Devanagari font of the machine's, as on a
	// secretary's laptop without one: Hindi renders with the page's own
	// font or as boxes.
	fonts := latinFontsOnly(t)
	writeFile(t, probed, strings.Replace(readFile(t, filepath.Join(dir, PageFile)), "</body>", probe, 1))

	// One browser run (each costs seconds): a screenshot and the DOM after
	// the scripts ran.
	shot := filepath.Join(t.TempDir(), "minutes.png")
	var body, stderr string
	for try := 1; try <= 2; try++ {
		var dom string
		dom, stderr = runChromium(t, bin, []string{"FONTCONFIG_FILE=" + fonts}, "--window-size=1280,1800", "--screenshot="+shot, "--dump-dom", "file://"+probed)
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
	checkHindiRenders(t, body, img)
	t.Logf("screenshot %s (%v, %d colours, %d of %d sampled pixels inked)", shot, b.Size(), len(colours), inked, b.Dx()*b.Dy()/4)
}

// fontProbe, added to the page's test script, finds out whether Hindi
// renders with the page's Devanagari font. Once the fonts have loaded it
// records each face of it and its status; draws every Devanagari character
// of the page on a canvas with the page's font and with the browser's
// default sans-serif, and lists those drawn the same (the font lacks them:
// boxes, on a machine without a Devanagari font); and sets beside the
// Hindi title a copy of it in the default sans-serif, noting where both
// are on the page, for the screenshot.
const fontProbe = `
  document.fonts.ready.then(function () {
    var faces = [];
    document.fonts.forEach(function (f) {
      if (f.family.replace(/"/g, "") === "` + fontFamily + `") faces.push(f.weight + ":" + f.status);
    });
    var chars = {};
    document.querySelectorAll("[lang=hi]").forEach(function (el) {
      Array.from(el.textContent).forEach(function (c) { if (/[\u0900-\u097f]/.test(c)) chars[c] = true; });
    });
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    var ctx = canvas.getContext("2d", {willReadFrequently: true});
    function draw(c, font) {
      ctx.clearRect(0, 0, 64, 64);
      ctx.font = font;
      ctx.fillText(c, 16, 44);
      return Array.prototype.join.call(ctx.getImageData(0, 0, 64, 64).data);
    }
    var missing = Object.keys(chars).filter(function (c) {
      return draw(c, '32px "` + fontFamily + `", sans-serif') === draw(c, "32px sans-serif");
    });
    var hi = document.querySelector("h1 [lang=hi]");
    var boxes = hi.cloneNode(true);
    boxes.removeAttribute("lang");
    boxes.style.fontFamily = "sans-serif";
    hi.parentNode.insertBefore(boxes, hi.nextSibling);
    hi.parentNode.insertBefore(document.createElement("br"), boxes);
    function rect(el) {
      var r = el.getBoundingClientRect();
      return [r.left, r.top, r.width, r.height].map(Math.round).join(",");
    }
    document.body.setAttribute("data-font-faces", faces.sort().join(" "));
    document.body.setAttribute("data-chars", Object.keys(chars).length);
    document.body.setAttribute("data-missing", missing.join(" "));
    document.body.setAttribute("data-hindi", rect(hi));
    document.body.setAttribute("data-boxes", rect(boxes));
  });`

// latinFontsOnly is a fontconfig file (for FONTCONFIG_FILE) that knows only
// the machine's DejaVu and Liberation fonts, which have no Devanagari.
func latinFontsOnly(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	fontDir := filepath.Join(dir, "fonts")
	if err := os.Mkdir(fontDir, 0o755); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir("/usr/share/fonts", func(p string, d fs.DirEntry, err error) error {
		name := d.Name()
		if err == nil && !d.IsDir() && (strings.HasPrefix(name, "DejaVu") || strings.HasPrefix(name, "Liberation")) && strings.HasSuffix(name, ".ttf") {
			if os.Symlink(p, filepath.Join(fontDir, name)) == nil {
				n++
			}
		}
		return nil
	})
	if n == 0 {
		t.Fatal("no DejaVu or Liberation font in /usr/share/fonts to render the page's Latin text (apt-get install -y fonts-dejavu-core)")
	}
	conf := filepath.Join(dir, "fonts.conf")
	writeFile(t, conf, `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>`+fontDir+`</dir>
  <cachedir>`+filepath.Join(dir, "cache")+`</cachedir>
  <alias><family>sans-serif</family><prefer><family>DejaVu Sans</family><family>Liberation Sans</family></prefer></alias>
  <alias><family>serif</family><prefer><family>DejaVu Serif</family><family>Liberation Serif</family></prefer></alias>
  <alias><family>monospace</family><prefer><family>DejaVu Sans Mono</family><family>Liberation Mono</family></prefer></alias>
</fontconfig>
`)
	return conf
}

var probeRect = regexp.MustCompile(`data-(hindi|boxes)="(\d+),(\d+),(\d+),(\d+)"`)

// checkHindiRenders reads fontProbe's findings from the page's body tag
// and the screenshot: both faces of the page's font loaded, and the Hindi
// title drawn with it, inked, and not as the boxes of its copy.
func checkHindiRenders(t *testing.T, body string, img image.Image) {
	t.Helper()
	if !strings.Contains(body, `data-font-faces="400:loaded 700:loaded"`) {
		t.Errorf("the page's Devanagari font did not load: %s", body)
	}
	rects := map[string]image.Rectangle{}
	for _, m := range probeRect.FindAllStringSubmatch(body, -1) {
		var v [4]int
		for i := range v {
			v[i], _ = strconv.Atoi(m[2+i])
		}
		rects[m[1]] = image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3])
	}
	if m := regexp.MustCompile(`data-missing="([^"]*)"`).FindStringSubmatch(body); m == nil || m[1] != "" {
		t.Errorf("Devanagari characters of the page drawn as without the page's font (boxes): %q", m)
	}
	chars := 0
	if m := regexp.MustCompile(`data-chars="(\d+)"`).FindStringSubmatch(body); m != nil {
		chars, _ = strconv.Atoi(m[1])
	}
	if chars < 40 {
		t.Errorf("the probe drew %d Devanagari characters of the page, want the fixture's 40 or more", chars)
	}
	hi, boxes := rects["hindi"], rects["boxes"]
	if hi.Empty() || boxes.Empty() {
		t.Fatalf("the font probe found no Hindi title: %s", body)
	}
	// As boxes, the title would be drawn exactly as its copy without the
	// page's font: as wide, box for box.
	if w, b := hi.Dx(), boxes.Dx(); math.Abs(float64(w-b)) < 0.05*float64(b) {
		t.Errorf("the Hindi title is %d px wide, and %d px without the page's font: it is drawn as boxes", w, b)
	}
	ink := func(r image.Rectangle) (n int) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if c, _, _, _ := img.At(x, y).RGBA(); c < 0x8000 {
					n++
				}
			}
		}
		return n
	}
	if n, area := ink(hi), hi.Dx()*hi.Dy(); n < area/20 {
		t.Errorf("the Hindi title's %v has %d dark pixels of %d: not drawn", hi, n, area)
	}
	t.Logf("%d Devanagari characters drawn with the page's font; Hindi title %v px, without the font %v px", chars, hi.Size(), boxes.Size())
}

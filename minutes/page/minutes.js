// minutes.html: clicking a speaking turn plays the meeting's mix from that
// moment; a playhead follows the player across the timeline. Everything
// works without this script except the seeking: the page must still read
// and print with scripts off.
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) {
    errors.push(String(e.message));
    document.body.setAttribute("data-errors", errors.join("\n"));
  });

  var player = document.getElementById("player");
  var svg = document.getElementById("timeline");
  var head = document.getElementById("playhead");
  var playing = null;

  function seekTo(el) {
    var t = parseFloat(el.getAttribute("data-t"));
    if (!player || isNaN(t)) {
      return false;
    }
    player.currentTime = t;
    var p = player.play();
    if (p && p.catch) {
      p.catch(function () {}); // autoplay refused: the position is set all the same
    }
    if (playing) {
      playing.classList.remove("playing");
    }
    playing = el;
    el.classList.add("playing");
    return true;
  }

  function turnOf(target) {
    return target && target.closest ? target.closest("[data-t]") : null;
  }

  document.addEventListener("click", function (e) {
    var el = turnOf(e.target);
    if (el && seekTo(el)) {
      e.preventDefault(); // stay on the page instead of opening mix.ogg
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" && e.key !== " ") {
      return;
    }
    var el = turnOf(e.target);
    if (el && el.getAttribute("role") === "button" && seekTo(el)) {
      e.preventDefault();
    }
  });

  if (player && svg && head) {
    var x0 = parseFloat(svg.getAttribute("data-x0"));
    var w = parseFloat(svg.getAttribute("data-w"));
    var dur = parseFloat(svg.getAttribute("data-duration"));
    player.addEventListener("timeupdate", function () {
      if (!(dur > 0)) {
        return;
      }
      var x = x0 + Math.min(Math.max(player.currentTime / dur, 0), 1) * w;
      head.setAttribute("x1", x.toFixed(1));
      head.setAttribute("x2", x.toFixed(1));
      head.setAttribute("visibility", "visible");
    });
  }

  document.body.setAttribute("data-ok", "1");
})();

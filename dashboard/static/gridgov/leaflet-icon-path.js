/* GridGov: set Leaflet's default marker image path explicitly.
 * Leaflet guesses it from leaflet.css; streamlit-folium inserts the stylesheets without waiting
 * for them, so the guess falls back to "<dir of leaflet.css>" without "/images/" and the
 * default marker 404s. This file lives in static/gridgov/, the images in
 * static/leaflet-1.9.3/images/. Load it right after leaflet.js. */
(function () {
  var s = document.currentScript && document.currentScript.src;
  if (s && window.L && L.Icon && L.Icon.Default) {
    L.Icon.Default.imagePath = s.replace(/gridgov\/[^\/]*$/, "leaflet-1.9.3/images/");
  }
})();

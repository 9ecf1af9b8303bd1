/* Playbook: on a phone, tables become stacked cards. Each cell is labelled with its
   column's heading (data-label, shown by playbook.css below 45em); without this script
   the tables simply scroll sideways as before. */
(function () {
  function stack(root) {
    root.querySelectorAll(".md-typeset table").forEach(function (table) {
      if (table.hasAttribute("data-pb-stack") || table.closest(".pb-diagram") ||
          table.classList.contains("pb-month")) {
        return;
      }
      var heads = Array.prototype.map.call(
        table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      if (heads.length < 3) {
        return;  // two columns read fine on a phone
      }
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (heads[i]) {
            cell.setAttribute("data-label", heads[i]);
          }
        });
      });
      table.setAttribute("data-pb-stack", "");
    });
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { stack(document); });  // Material's instant loading
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { stack(document); });
  } else {
    stack(document);
  }
})();

/* Playbook: on a phone, tables become stacked cards. Each cell is labelled with its
   column's heading (data-label, shown by playbook.css below 45em); without this script
   the tables simply scroll sideways as before. A diagram wider than its frame is scrolled
   to the start of its flow (the node marked `entry`). */
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
          /* one box for the cell's value, so that text mixed with links, marks or a
             search highlight stays together beside its label */
          var value = document.createElement("span");
          value.className = "pb-cell";
          while (cell.firstChild) { value.appendChild(cell.firstChild); }
          cell.appendChild(value);
        });
      });
      table.setAttribute("data-pb-stack", "");
    });
    /* a diagram wider than its frame opens at the start of its flow, not its middle */
    root.querySelectorAll(".pb-diagram__frame").forEach(function (frame) {
      var entry = frame.querySelector("g.entry");
      if (!entry || frame.scrollWidth <= frame.clientWidth) {
        return;
      }
      var box = entry.getBoundingClientRect(), own = frame.getBoundingClientRect();
      var left = box.left - own.left + frame.scrollLeft;  /* in the diagram */
      if (left + box.width > frame.clientWidth) {  /* out of sight: centre it */
        frame.scrollLeft = left + box.width / 2 - frame.clientWidth / 2;
      }
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

/* Playbook: the Today page. The page carries the playbook's business calendar and the
   rules that put work on a date (today.py); this works out today's date in the SLA's time
   zone and lists what the chosen role does today and later this week. The business-day
   arithmetic is the same as businesstime.Calendar's (tests compare the two). */
(function () {
  var DAY_MS = 86400000;
  var WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                  "Sunday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"];
  var ROLE_KEY = "playbook-today-role";

  /* Dates are ISO strings ("2026-11-23"); arithmetic on UTC midnights. */
  function parse(iso) { return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)); }
  function iso(ms) { return new Date(ms).toISOString().slice(0, 10); }
  function weekday(day) { return (new Date(parse(day)).getUTCDay() + 6) % 7; }  /* Monday 0 */
  function plusDays(day, n) { return iso(parse(day) + n * DAY_MS); }

  function calendar(data) {
    var workdays = {}, holidays = {};
    data.workdays.forEach(function (d) { workdays[d] = true; });
    data.holidays.forEach(function (d) { holidays[d] = true; });
    var cal = {
      timezone: data.timezone,
      today: function (now) {
        var parts = {};
        /* no time zone stated: the reader's own */
        new Intl.DateTimeFormat("en-US", {timeZone: data.timezone || undefined,
                                          year: "numeric", month: "2-digit", day: "2-digit"})
          .formatToParts(now || new Date())
          .forEach(function (p) { parts[p.type] = p.value; });
        return parts.year + "-" + parts.month + "-" + parts.day;
      },
      isHoliday: function (day) { return !!holidays[day]; },
      isBusinessDay: function (day) { return !!workdays[weekday(day)] && !holidays[day]; },
      /* the date `n` business days after (before, if negative) `day` */
      addBusinessDays: function (day, n) {
        if (!data.workdays.length) { return plusDays(day, n); }
        var step = n >= 0 ? 1 : -1, left = Math.abs(n), current = day;
        while (left) {
          current = plusDays(current, step);
          if (cal.isBusinessDay(current)) { left -= 1; }
        }
        return current;
      },
      nextBusinessDay: function (day) {
        var current = day;
        for (var i = 0; i < 3660 && !cal.isBusinessDay(current); i++) {
          current = plusDays(current, 1);
        }
        return current;
      }
    };
    return cal;
  }

  function words(day) {
    var ms = parse(day), d = new Date(ms);
    return WEEKDAYS[weekday(day)] + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()];
  }

  /* What `role` does on business day `day`: groups of items, each group with its heading. */
  function agenda(data, cal, role, day) {
    var groups = [];
    var byArrival = {};
    data.touches.forEach(function (t) {
      if (t.role !== role) { return; }
      var since = cal.addBusinessDays(day, -t.day);
      var key = t.kind + " " + t.where + " " + since;
      if (!byArrival[key]) {
        byArrival[key] = {kind: t.kind, where: t.where, since: since, days: t.day,
                          items: []};
      }
      byArrival[key].items.push(t);
    });
    Object.keys(byArrival).map(function (k) { return byArrival[k]; })
      .sort(function (a, b) {
        return a.days - b.days || (a.kind + a.where < b.kind + b.where ? -1 : 1);
      })
      .forEach(function (g) {
        var who = g.where + (g.kind === "lead" ? ": leads that came in " :
                             ": deals that entered the stage ");
        var when = g.days === 0 ? "today" : "on " + words(g.since) +
          " (day " + g.days + ")";
        groups.push({kind: "touches", since: g.since, days: g.days,
                     whereLink: g.items[0].whereLink, title: who + when, items: g.items.map(function (t) {
          return {text: t.text, channel: t.channel, link: t.templateLink || t.whereLink,
                  linkText: t.template || t.where, where: t.where, whereLink: t.whereLink};
        })});
      });
    var dated = data.dated.filter(function (e) {
      return e.date === day && e.roles.indexOf(role) >= 0;
    }).map(function (e) {
      return {text: e.text, time: e.time, kind: e.kind, link: e.link, linkText: e.where};
    });
    data.weekly.forEach(function (m) {
      if (m.weekday === weekday(day) && m.roles.indexOf(role) >= 0) {
        dated.push({text: m.text, time: m.time, kind: "Meeting", link: m.link,
                    linkText: m.text});
      }
    });
    if (dated.length) {
      dated.sort(function (a, b) { return (a.time || "") < (b.time || "") ? -1 : 1; });
      groups.unshift({kind: "dated", title: "Campaigns and meetings", items: dated});
    }
    var limits = data.hygiene.filter(function (h) { return h.role === role; })
      .map(function (h) {
        var since = h.business ? cal.addBusinessDays(day, -h.days) : plusDays(day, -h.days);
        return {text: "Deals in " + h.stage + (h.segment ? " (" + h.segment + ")" : "") +
                      " with no activity since " + words(since) + ": " + h.action +
                      " (" + h.days + (h.business ? " business" : "") + " days)",
                since: since, link: h.link, linkText: h.stage, level: h.level};
      });
    if (limits.length) {
      groups.push({kind: "hygiene", title: "Deals reaching a hygiene limit", items: limits});
    }
    return groups;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function renderDay(data, cal, role, day, open) {
    var groups = agenda(data, cal, role, day);
    var count = groups.reduce(function (n, g) { return n + g.items.length; }, 0);
    var body = el("div", {"class": "pb-today__day", "data-date": day});
    if (!count) {
      body.appendChild(el("p", {}, ["Nothing on the calendar for this role."]));
    }
    groups.forEach(function (g) {
      var list = el("ul", {"class": "pb-today__items"});
      g.items.forEach(function (item) {
        var parts = [];
        if (item.time) { parts.push(el("strong", {}, [item.time + " "])); }
        if (item.channel) { parts.push(el("strong", {}, [item.channel.charAt(0).toUpperCase() + item.channel.slice(1) + ": "])); }
        if (item.kind && !item.channel) { parts.push(item.kind + ": "); }
        parts.push(item.text + " — ");
        parts.push(el("a", {href: item.link}, [item.linkText]));
        list.appendChild(el("li", g.since ? {"data-since": g.since} : {}, parts));
      });
      var heading = el("p", {"class": "pb-today__group"}, [el("strong", {}, [
        g.whereLink ? el("a", {href: g.whereLink}, [g.title]) : g.title])]);
      if (g.since) { heading.setAttribute("data-since", g.since); }
      body.appendChild(heading);
      body.appendChild(list);
    });
    var summary = el("summary", {}, [words(day) + (day === cal.today() ? " (today)" : "") +
                                     " — " + count + (count === 1 ? " thing" : " things")]);
    var details = el("details", {"class": "pb-today__details"}, [summary, body]);
    if (open) { details.setAttribute("open", ""); }
    return details;
  }

  function render(root, data, cal, now) {
    var today = cal.today(now);
    var stored = null;
    try { stored = window.localStorage.getItem(ROLE_KEY); } catch (e) { /* private mode */ }
    var wanted = new URLSearchParams(window.location.search).get("role") || stored;
    var ids = data.roles.map(function (r) { return r.id; });
    /* no choice yet: the role with the most touches (the one most likely to ask) */
    var count = function (id) {
      return data.touches.filter(function (t) { return t.role === id; }).length;
    };
    var busiest = data.roles.slice().sort(function (a, b) { return count(b.id) - count(a.id); });
    var role = ids.indexOf(wanted) >= 0 ? wanted : busiest[0].id;
    var view = root.querySelector(".pb-today__view");
    if (!view) {
      var select = el("select", {id: "pb-today-role", "class": "pb-today__role"});
      data.roles.forEach(function (r) {
        select.appendChild(el("option", {value: r.id}, [r.name]));
      });
      select.addEventListener("change", function () {
        try { window.localStorage.setItem(ROLE_KEY, select.value); } catch (e) { /* ok */ }
        render(root, data, cal, now);
      });
      var fallback = root.querySelector(".pb-today__fallback");
      if (fallback) { fallback.hidden = true; }
      var first = root.firstChild;
      root.insertBefore(el("p", {"class": "pb-today__chooser"}, [
        el("label", {"for": "pb-today-role"}, ["Your role"]), select]), first);
      view = el("div", {"class": "pb-today__view", "aria-live": "polite"});
      root.insertBefore(view, first);
    }
    root.querySelector("#pb-today-role").value = role;
    view.innerHTML = "";
    var shown = cal.nextBusinessDay(today);
    var intro = "Today is " + words(today) + (cal.timezone ?
      " in " + cal.timezone.replace(/_/g, " ") : " (your device's time zone)") + ".";
    if (shown !== today) {
      intro += " It is not a business day (" + (cal.isHoliday(today) ? "a holiday" :
        "a weekend day") + "): here is " + words(shown) + ", the next one.";
    }
    view.appendChild(el("p", {"class": "pb-today__date", "data-today": today,
                              "data-first": shown}, [intro]));
    view.appendChild(renderDay(data, cal, role, shown, true));
    var later = [];
    for (var day = plusDays(shown, 1); weekday(day) !== 0; day = plusDays(day, 1)) {
      if (cal.isBusinessDay(day)) { later.push(day); }  /* up to Sunday */
    }
    if (later.length) {
      view.appendChild(el("h2", {id: "later-this-week"}, ["Later this week"]));
      later.forEach(function (d) { view.appendChild(renderDay(data, cal, role, d, false)); });
    }
    if (data.scheduleLinks[role]) {
      view.appendChild(el("p", {}, [el("a", {href: data.scheduleLinks[role]},
        ["The whole schedule of this role, by business day"])]));
    }
  }

  /* the campaign calendar marks today, in the SLA's time zone */
  function markToday() {
    document.querySelectorAll("table.pb-month[data-timezone]").forEach(function (table) {
      var today = calendar({timezone: table.getAttribute("data-timezone") || null, workdays: [],
                            holidays: []}).today();
      var cell = table.querySelector('td[data-date="' + today + '"]');
      if (cell && !cell.classList.contains("pb-day--today")) {
        cell.classList.add("pb-day--today");
        cell.setAttribute("aria-current", "date");
        var date = cell.querySelector(".pb-day__date");
        if (date) { date.appendChild(el("span", {"class": "pb-today-badge"}, ["today"])); }
      }
    });
  }

  function start() {
    markToday();
    var root = document.getElementById("pb-today");
    if (!root || !root.getAttribute("data-today")) { return; }
    var data = JSON.parse(root.getAttribute("data-today"));
    var cal = calendar(data);
    window.playbookToday = {calendar: cal, agenda: function (role, day) {
      return agenda(data, cal, role, day);
    }};
    render(root, data, cal);
  }
  if (typeof document$ !== "undefined") {
    document$.subscribe(start);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

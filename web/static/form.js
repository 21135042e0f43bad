/*
 * khaosat serve: keeps a record's form as it is typed, and shows each
 * problem under its field while the person is still there.  The form
 * works without it: every button sends the whole form to the server.
 *
 * A second and a half after the last key (at once when a choice changes)
 * the form's fields go to the server with op=keep; the server keeps them
 * as the unfinished form (a closed tab loses nothing) and answers with
 * the record's problems.  Only the fields the person has been to show
 * theirs, so a form just started is not all red.
 */
(function () {
	"use strict";
	var form = document.querySelector("form.record");
	if (!form || !window.fetch || !window.FormData || !window.URLSearchParams)
		return;
	var timer = null, busy = false, again = false, touched = {};
	var leaving = false, waiting = null;	/* a button pressed */
	var kept = document.getElementById("kept");

	function hidden(name, value) {
		var h = form.querySelector("input[type=hidden][name='" + name + "']");
		if (!h) {
			h = document.createElement("input");
			h.type = "hidden";
			h.name = name;
			form.appendChild(h);
		}
		h.value = value;
	}

	function seen(field) {
		for (var p in touched)
			if (field === p || field.indexOf(p + "/") === 0)
				return true;
		return false;
	}

	function show(answer) {
		if (answer.form)
			hidden("form", answer.form);
		if (kept)
			kept.textContent = answer.said || "";
		var old = form.querySelectorAll("ul.problems.live");
		for (var i = 0; i < old.length; i++)
			old[i].parentNode.removeChild(old[i]);
		var at = {};
		(answer.problems || []).forEach(function (p) {
			if (!seen(p.field))
				return;
			(at[p.field] = at[p.field] || []).push(p.problem);
		});
		Object.keys(at).forEach(function (field) {
			var input = document.getElementById("f" + field);
			if (!input)
				return;
			var box = input.parentNode;
			var server = box.querySelector("ul.problems:not(.live)");
			if (server)
				server.parentNode.removeChild(server);
			var ul = document.createElement("ul");
			ul.className = "problems live";
			at[field].forEach(function (text) {
				var li = document.createElement("li");
				li.textContent = text;
				ul.appendChild(li);
			});
			input.insertAdjacentElement("afterend", ul);
		});
		/* a field fixed loses what the server said of it when sent */
		Object.keys(touched).forEach(function (field) {
			if (at[field])
				return;
			var input = document.getElementById("f" + field);
			var server = input && input.parentNode.querySelector("ul.problems:not(.live)");
			if (server)
				server.parentNode.removeChild(server);
		});
	}

	function send() {
		timer = null;
		if (busy) {
			again = true;
			return;
		}
		busy = true;
		var data = new URLSearchParams(new FormData(form));
		data.set("op", "keep");
		fetch(form.getAttribute("action"), {
			method: "POST",
			body: data,
			credentials: "same-origin"
		}).then(function (r) {
			return r.ok ? r.json() : null;
		}).then(function (answer) {
			if (answer)
				show(answer);
		}).catch(function () {
		}).then(function () {
			busy = false;
			if (waiting) {
				/* the press that waited for the answer goes now */
				var b = waiting;
				waiting = null;
				form.requestSubmit(b === true ? undefined : b);
				return;
			}
			if (again) {
				again = false;
				send();
			}
		});
	}

	function later(ms) {
		clearTimeout(timer);
		timer = setTimeout(send, ms);
	}

	form.addEventListener("input", function (e) {
		if (e.target.name)
			touched[e.target.name] = true;
		later(1500);
	});
	form.addEventListener("change", function (e) {
		if (e.target.name)
			touched[e.target.name] = true;
		later(200);
	});
	/*
	 * A button pressed sends the whole form; nothing is to be kept after
	 * it.  While a keep is on its way the press waits for its answer,
	 * which names the unfinished form the press must go on with.
	 */
	form.addEventListener("submit", function (e) {
		clearTimeout(timer);
		timer = null;
		if (busy && form.requestSubmit) {
			e.preventDefault();
			waiting = e.submitter || true;
			return;
		}
		leaving = true;
	});
	/* a tab closed or left: what was typed goes at once */
	window.addEventListener("pagehide", function () {
		if (!leaving && timer !== null) {
			clearTimeout(timer);
			var data = new URLSearchParams(new FormData(form));
			data.set("op", "keep");
			if (navigator.sendBeacon)
				navigator.sendBeacon(form.getAttribute("action"), data);
		}
	});
})();

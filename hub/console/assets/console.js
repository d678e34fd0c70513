// The staff console's one script. Every page works without it: the forms post, the server checks them and
// the pages refresh by a link. With it, three things come sooner:
//   form[data-check]      each field is checked as staff leave it, by the hub's own check of the form (the
//                         post's, so the two never disagree), and the text message's length shows as it
//                         is typed;
//   select[data-search]   a long list gets a search box that narrows its options;
//   form[data-progress]   a file's upload shows how far it has gone (the hub checks the list as it arrives,
//                         so for 100,000 rows that is how far the check has gone);
//   [data-live]           a region of the page that follows something running (a batch sending) refreshes
//                         itself from the page's own URL until the page says it is done.
// Served from the hub under its Content-Security-Policy (script-src 'self'): nothing inline, no other origin.

const CHECK_DELAY_MS = 400;
const LIVE_EVERY_MS = 2000;

// ---- Checked as it is filled in ----

// The input, select or textarea classes NHS.UK frontend marks as in error.
function errorClass(control) {
  const kind = { SELECT: 'select', TEXTAREA: 'textarea' }[control.tagName] ?? 'input';
  return `nhsuk-${kind}--error`;
}

function describedBy(control, id, on) {
  const ids = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((x) => x && x !== id);
  if (on) ids.push(id);
  if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
  else control.removeAttribute('aria-describedby');
}

// Shows `message` at the field (the markup the server renders for an error), or clears it when null.
function showError(control, message) {
  const group = control.closest('.nhsuk-form-group');
  if (!group) return;
  const id = `${control.id}-error`;
  let shown = document.getElementById(id);
  if (message === null) {
    shown?.remove();
    group.classList.remove('nhsuk-form-group--error');
    control.classList.remove(errorClass(control));
    describedBy(control, id, false);
    return;
  }
  if (!shown) {
    shown = document.createElement('span');
    shown.className = 'nhsuk-error-message';
    shown.id = id;
    control.before(shown);
  }
  shown.replaceChildren(Object.assign(document.createElement('span'), {
    className: 'nhsuk-u-visually-hidden', textContent: 'Error: ' }), message);
  group.classList.add('nhsuk-form-group--error');
  control.classList.add(errorClass(control));
  describedBy(control, id, true);
}

// Below the text message: its length, which a screen reader hears when it settles.
function lengthNote(form) {
  const message = form.querySelector('textarea[name="message"]');
  if (!message) return null;
  let note = document.getElementById('message-length');
  if (!note) {
    note = Object.assign(document.createElement('p'), { id: 'message-length', className: 'nhsuk-body-s' });
    note.setAttribute('aria-live', 'polite');
    message.after(note);
  }
  return note;
}

function checkAsFilled(form) {
  const url = form.dataset.check;
  const left = new Set(); // fields staff have been in and left: only theirs are judged
  const note = lengthNote(form);
  let timer = 0;
  let asked = 0;

  async function check() {
    const mine = ++asked;
    const body = new URLSearchParams(new FormData(form));
    body.delete('step');
    let answer;
    try {
      const reply = await fetch(url, { method: 'POST', body, headers: { Accept: 'application/json' } });
      if (!reply.ok) return; // a lapsed session or a refusal: the post will say so
      answer = await reply.json();
    } catch {
      return; // offline for a moment: the post checks again
    }
    if (mine !== asked) return; // a later check is on its way
    const errors = new Map(answer.errors.map((e) => [e.field, e.message]));
    for (const id of left) {
      const control = document.getElementById(id);
      if (control) showError(control, errors.get(id) ?? null);
    }
    if (note) note.textContent = answer.length ?? '';
  }

  function soon(delay) {
    clearTimeout(timer);
    timer = setTimeout(check, delay);
  }
  form.addEventListener('input', () => soon(CHECK_DELAY_MS));
  form.addEventListener('focusout', (event) => {
    if (event.target.id && event.target.name) left.add(event.target.id);
    soon(0);
  });
  form.addEventListener('submit', () => clearTimeout(timer));
  if (note) soon(0);
}

// ---- A list narrowed by what is typed ----

function searchable(select) {
  const all = [...select.options].map((o) => ({ value: o.value, text: o.text }));
  const what = select.dataset.search;
  const id = `${select.id}-search`;
  const field = Object.assign(document.createElement('input'), {
    id, type: 'search', className: 'nhsuk-input nhsuk-input--width-20', autocomplete: 'off', spellcheck: false,
  });
  field.setAttribute('aria-controls', select.id);
  const label = Object.assign(document.createElement('label'), {
    className: 'nhsuk-label', htmlFor: id, textContent: `Search the ${what}` });
  const status = Object.assign(document.createElement('p'), { className: 'nhsuk-body-s', id: `${id}-status` });
  status.setAttribute('role', 'status');
  const box = document.createElement('div');
  box.className = 'nhsuk-u-margin-bottom-2';
  box.append(label, field, status);
  select.before(box);

  field.addEventListener('input', () => {
    const words = field.value.toLowerCase().split(/\s+/).filter(Boolean);
    const chosen = select.value;
    const shown = all.filter((o) => words.every((w) => o.text.toLowerCase().includes(w)));
    select.replaceChildren(...shown.map((o) => new Option(o.text, o.value, false, o.value === chosen)));
    status.textContent = words.length === 0 ? ''
      : shown.length === 0 ? `No ${what} match`
        : `${shown.length} of ${all.length} ${what} match`;
    if (select.value !== chosen) select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

// ---- An upload that shows how far it has gone ----

function uploadWithProgress(form) {
  form.addEventListener('submit', (event) => {
    if (!form.querySelector('input[type=file]')?.files.length) return; // the hub says to choose one
    event.preventDefault();
    const bar = Object.assign(document.createElement('progress'), { max: 100, value: 0, id: 'upload-progress' });
    const label = Object.assign(document.createElement('label'), {
      className: 'nhsuk-label', htmlFor: bar.id, textContent: form.dataset.progress });
    const status = Object.assign(document.createElement('p'), { className: 'nhsuk-body-s' });
    status.setAttribute('role', 'status');
    form.querySelector('button[type=submit]').disabled = true;
    form.append(label, bar, status);
    const request = new XMLHttpRequest();
    request.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      bar.value = Math.round((100 * e.loaded) / e.total);
      status.textContent = `${bar.value}% sent`;
    });
    request.addEventListener('load', () => {
      // The hub answers a list it took with a redirect to the review (followed here); a list it refused
      // with this page again, its error at the file picker.
      if (request.responseURL !== form.action) return location.assign(request.responseURL);
      const page = new DOMParser().parseFromString(request.responseText, 'text/html');
      document.title = page.title;
      document.body.replaceWith(document.adoptNode(page.body));
    });
    request.addEventListener('error', () => form.submit()); // the plain way, which says what went wrong
    request.open('POST', form.action);
    request.send(new FormData(form));
  });
}

// ---- Regions that follow something running ----

function followLive() {
  const regions = () => [...document.querySelectorAll('[data-live]')].filter((r) => r.id);
  if (!regions().some((r) => r.dataset.live === 'on')) return;
  const timer = setInterval(async () => {
    let page;
    try {
      const reply = await fetch(location.href, { headers: { Accept: 'text/html' } });
      if (!reply.ok) return;
      page = new DOMParser().parseFromString(await reply.text(), 'text/html');
    } catch {
      return;
    }
    let running = false;
    for (const region of regions()) {
      const fresh = page.getElementById(region.id);
      if (!fresh) continue;
      region.innerHTML = fresh.innerHTML; // the hub's own markup, escaped as it rendered it
      region.dataset.live = fresh.dataset.live ?? '';
      running ||= region.dataset.live === 'on';
    }
    if (!running) clearInterval(timer);
  }, LIVE_EVERY_MS);
}

for (const form of document.querySelectorAll('form[data-check]')) checkAsFilled(form);
for (const select of document.querySelectorAll('select[data-search]')) searchable(select);
for (const form of document.querySelectorAll('form[data-progress]')) uploadWithProgress(form);
followLive();

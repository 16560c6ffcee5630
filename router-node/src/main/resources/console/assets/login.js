// The login page: the admin key goes to POST /console/login once; the answer sets the session cookie.
'use strict';
document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('admin-key');
  const error = document.getElementById('login-error');
  error.hidden = true;
  let response;
  try {
    response = await fetch('/console/login', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({key: input.value}),
      credentials: 'same-origin',
    });
  } catch (e) {
    error.textContent = 'The node did not answer. Is it running?';
    error.hidden = false;
    return;
  }
  input.value = '';
  if (response.ok) {
    window.location.assign('/console/');
    return;
  }
  let message = 'Login refused (HTTP ' + response.status + ').';
  try {
    const body = await response.json();
    if (body && body.error && body.error.message) message = body.error.message;
  } catch (e) { /* keep the plain message */ }
  error.textContent = message;
  error.hidden = false;
});

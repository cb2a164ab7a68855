// fundflow's own script. Every page works without it; it starts the NHS
// design system's components and keeps live pages current.
import { initAll } from './nhsuk-frontend.min.js'

initAll()

// A page marks the part that should follow the engine with data-live-region.
// When the API's event stream reports a status change, the part is fetched
// again from the server and swapped in, and a polite announcement tells
// screen-reader users it changed. Bursts of events cause one refresh.
const region = document.querySelector('[data-live-region]')
if (region && 'EventSource' in window) {
  const announce = document.createElement('p')
  announce.className = 'nhsuk-body-s app-live-status'
  announce.setAttribute('role', 'status')
  region.before(announce)

  let timer = null
  const refresh = async () => {
    timer = null
    const res = await fetch(window.location.href, { headers: { Accept: 'text/html' } })
    if (!res.ok) return
    const page = new DOMParser().parseFromString(await res.text(), 'text/html')
    const fresh = page.querySelector('[data-live-region]')
    if (!fresh) return
    region.innerHTML = fresh.innerHTML
    announce.textContent = 'Updated at ' + new Date().toLocaleTimeString('en-GB')
  }
  const stream = new EventSource('/events')
  stream.addEventListener('status', () => {
    if (!timer) timer = setTimeout(refresh, 500)
  })
}

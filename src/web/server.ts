// The HTTP server is being built in the foundation issue; until then, say so plainly.
console.error('Sounding: the web server is not built yet (see the foundation issue). Nothing is served.');
process.exitCode = 1;

// A small JSON API: GET /health for probes, GET /greeting?name=... as the "business" endpoint.
import express, { Request, Response } from "express";

const port = Number(process.env.PORT ?? 8000);
const started = Date.now();
const app = express();

app.get("/health", (_req: Request, res: Response) => {
  res.json({ status: "ok", service: "node-api", node: process.version, uptimeSeconds: (Date.now() - started) / 1000 });
});

app.get("/greeting", (req: Request, res: Response) => {
  const name = typeof req.query.name === "string" && req.query.name ? req.query.name : "world";
  res.json({ greeting: `Hello, ${name}!` });
});

// Listen on every interface: inside a container, 127.0.0.1 is unreachable from the host.
const server = app.listen(port, "0.0.0.0", () => {
  console.log(`node-api listening on 0.0.0.0:${port}`);
});

// As PID 1 in a container, node gets no default SIGTERM handling: stop cleanly on `docker stop`.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

// The drawing canvas of the CNN Explainer page: the only JavaScript of the sample. The canvas always shows the
// current input (a test image, or what was drawn); strokes are drawn in white on it, and the canvas, averaged down
// to the model's input size, goes to .NET while the user draws (one call at a time: moves during a call are merged).
window.explainer = {
    // Shows `pixels` (height·width values in [0, 1], row-major) on the canvas, one block per pixel.
    show(canvas, pixels, height, width) {
        const context = canvas.getContext("2d");
        const blockH = canvas.height / height, blockW = canvas.width / width;
        for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
                const v = Math.round(255 * Math.min(1, Math.max(0, pixels[y * width + x])));
                context.fillStyle = `rgb(${v},${v},${v})`;
                context.fillRect(x * blockW, y * blockH, blockW, blockH);
            }
        }
    },

    // Lets the user draw on `canvas`; calls dotnet.Drawn(pixels) with the canvas averaged to the model's input size
    // (the canvas's data-height and data-width, which change with the model).
    attach(canvas, dotnet) {
        const context = canvas.getContext("2d");
        let drawing = false, last = null, busy = false, pending = false;
        const read = () => {
            const height = +canvas.dataset.height, width = +canvas.dataset.width;
            const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
            const blockH = canvas.height / height, blockW = canvas.width / width;
            const pixels = new Array(height * width).fill(0);
            for (let y = 0; y < canvas.height; y++)
                for (let x = 0; x < canvas.width; x++)
                    pixels[Math.floor(y / blockH) * width + Math.floor(x / blockW)] += data[(y * canvas.width + x) * 4];
            return pixels.map(v => v / (255 * blockH * blockW));
        };
        const send = async () => {
            if (busy) { pending = true; return; }
            busy = true;
            canvas.dataset.busy = "1"; // for the browser test: the page has not yet run the whole drawing
            do {
                pending = false;
                await dotnet.invokeMethodAsync("Drawn", read());
            } while (pending);
            busy = false;
            canvas.dataset.busy = "0";
        };
        const at = e => {
            const r = canvas.getBoundingClientRect();
            return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
        };
        const line = to => {
            context.strokeStyle = "white";
            context.lineCap = "round";
            context.lineWidth = canvas.width / +canvas.dataset.width * 2.2;
            context.beginPath();
            context.moveTo(...last);
            context.lineTo(...to);
            context.stroke();
            last = to;
        };
        canvas.addEventListener("pointerdown", e => { drawing = true; last = at(e); line(last); canvas.setPointerCapture(e.pointerId); send(); });
        canvas.addEventListener("pointermove", e => { if (drawing) { line(at(e)); send(); } });
        const stop = () => { if (drawing) { drawing = false; send(); } };
        canvas.addEventListener("pointerup", stop);
        canvas.addEventListener("pointercancel", stop);
    },

    // Milliseconds since the page started loading (the figure "load to first prediction").
    now: () => performance.now(),
};

using System.Collections.Generic;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using static Cnn.Generator.Emitters.EmitHelpers;
using Max = Cnn.Attributes.MaxPool2DAttribute;
using Avg = Cnn.Attributes.AvgPool2DAttribute;

namespace Cnn.Generator.Layers;

/// <summary><c>[MaxPool2D]</c> and <c>[AvgPool2D]</c>: pooling over windows of each channel (Keras <c>MaxPooling2D</c>, <c>AveragePooling2D</c>).</summary>
/// <param name="IsMax">Max pooling (true) or average pooling (false).</param>
/// <param name="PoolHeight">Window rows.</param>
/// <param name="PoolWidth">Window columns.</param>
/// <param name="StrideHeight">Vertical stride.</param>
/// <param name="StrideWidth">Horizontal stride.</param>
/// <param name="Padding">Valid or Same.</param>
internal sealed record Pool2DSpec(bool IsMax, int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth, Padding Padding) : LayerSpec
{
    /// <summary>Reads <c>[MaxPool2D(size)]</c> or <c>[MaxPool2D(height, width)]</c>; the stride defaults to the window.</summary>
    public static readonly LayerKind MaxKind = new(nameof(Attributes.MaxPool2DAttribute), static a => Read(a, isMax: true));

    /// <summary>Reads <c>[AvgPool2D(size)]</c> or <c>[AvgPool2D(height, width)]</c>.</summary>
    public static readonly LayerKind AverageKind = new(nameof(Attributes.AvgPool2DAttribute), static a => Read(a, isMax: false));

    // Both attributes name their arguments alike; the max pool's names stand for both.
    private static Pool2DSpec Read(AttributeArguments a, bool isMax)
    {
        int height = a.Int(0), width = a.Count > 1 ? a.Int(1) : height;
        int? stride = a.NamedInt(nameof(Max.Stride));
        return new Pool2DSpec(isMax, height, width, stride ?? height, stride ?? width, (Padding)(a.NamedInt(nameof(Max.Padding)) ?? 0));
    }

    /// <summary>Rows of padding above the input (padded cells are ignored, never averaged).</summary>
    public int PadTop { get; init; }

    /// <summary>Columns of padding left of the input.</summary>
    public int PadLeft { get; init; }

    /// <inheritdoc/>
    public override string KerasType => IsMax ? "MaxPooling2D" : "AveragePooling2D";

    /// <inheritdoc/>
    public override string DefaultBaseName => IsMax ? "max_pooling2d" : "average_pooling2d";

    /// <inheritdoc/>
    public override string AttributeName => IsMax ? "[MaxPool2D]" : "[AvgPool2D]";

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        check.AtLeastOne(PoolHeight, "height", "the pool height");
        if (PoolWidth != PoolHeight) check.AtLeastOne(PoolWidth, "width", "the pool width");
        check.WindowCells(PoolHeight, PoolWidth, "height", "pool window");
        // The stride defaults to the window: only a stride set apart from it is checked on its own.
        if (StrideHeight != PoolHeight || StrideWidth != PoolWidth)
        {
            check.AtLeastOne(StrideHeight, nameof(Max.Stride), "the stride");
            if (StrideWidth != StrideHeight) check.AtLeastOne(StrideWidth, nameof(Max.Stride), "the stride");
        }
        check.Padding(Padding, nameof(Max.Padding), causal: false);
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (!check.Image(input, "2D pooling", IsMax ? "[MaxPool1D]" : "[AvgPool1D]")) return null;
        if (check.Window(input, PoolHeight, PoolWidth, StrideHeight, StrideWidth, Padding, "pool window") is not { } window) return null;
        return this with { Input = input, Output = TensorShape.Image(window.Height, window.Width, input.Channels), PadTop = window.PadTop, PadLeft = window.PadLeft };
    }

    /// <inheritdoc/>
    public override string Describe() => Pool2DEmitter.Describe(this);

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Ints("pool_size", PoolHeight, PoolWidth).Ints("strides", StrideHeight, StrideWidth).Padding(Padding)
        .Pads2D(Input, Output, PoolHeight, PoolWidth, StrideHeight, StrideWidth, PadTop, PadLeft);

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        Pool2DEmitter.EmitForward(code, context, this);
        code.Line();
        Pool2DEmitter.EmitBackward(code, context, this);
        code.Line();
        Pool2DEmitter.EmitKernels(kernels, context, this);
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}({x}, {y});");

    /// <summary>
    /// A max pool whose windows stay inside its input can read a ZeroPadding2D's input in place: the zeros it skips take
    /// part as zeros (a window that meets the padding starts from 0), and max is exact in any order.
    /// </summary>
    public override bool ReadsPaddingInPlace => IsMax && !Pool2DEmitter.Clips(this);

    /// <inheritdoc/>
    public override void EmitFusedForwardCall(SourceWriter w, LayerContext context, string x, string y, string extra, string comment) =>
        w.Line($"Forward_{context.MethodSuffix}({x}, {y}, fused: true{extra}); // {comment}");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}({call.X}, {call.Dy}, {call.Dx});");
}

/// <summary>
/// Max and average pooling in HWC layout. A window tap reads all channels of one input pixel, a contiguous
/// run, so each tap is one vector operation. With Same padding, cells outside the input are skipped: max
/// pooling ignores them and average pooling divides by the cells inside (SPEC §2, TensorFlow's behaviour).
/// Windows that never leave the input have constant offsets: up to 16 cells they are unrolled, larger ones are loops.
/// </summary>
internal static class Pool2DEmitter
{
    /// <summary>A one-line description for comments.</summary>
    public static string Describe(Pool2DSpec p) =>
        $"{p.Name}: {p.KerasType} {p.PoolHeight}x{p.PoolWidth} stride {(p.StrideHeight == p.StrideWidth ? Format.Int(p.StrideHeight) : $"{p.StrideHeight}x{p.StrideWidth}")} {(p.Padding == Padding.Same ? "same" : "valid")}, {p.Input} -> {p.Output}";

    public static bool Clips(Pool2DSpec p) => p.Padding == Padding.Same &&
        ((p.Output.Height - 1) * p.StrideHeight + p.PoolHeight > p.Input.Height || (p.Output.Width - 1) * p.StrideWidth + p.PoolWidth > p.Input.Width);

    /// <summary>
    /// Emits <c>Forward_{name}(x, y)</c> of <paramref name="p"/>: the layer of <paramref name="context"/> itself, or the
    /// image one column wide that a 1D pooling layer is (<see cref="Pool1DSpec"/>), which describes itself in comments.
    /// </summary>
    public static void EmitForward(SourceWriter w, LayerContext context, Pool2DSpec p)
    {
        int c = p.Input.Channels;
        if (context.FusedPadding is not null)
        {
            w.Line("/// <summary>");
            w.Line($"/// {context.Layer.Describe()}.");
            w.Line($"/// {OutputFusion.Summary(context)}");
            w.Line("/// </summary>");
        }
        else
        {
            w.Line($"/// <summary>{context.Layer.Describe()}.</summary>");
        }
        using (w.Block($"private static void Forward_{context.MethodSuffix}({Names.ReadOnlySpan} x, {Names.Span} y{OutputFusion.Parameter(context)})"))
        {
            if (!Clips(p))
            {
                var zp = context.FusedPadding?.Layer as ZeroPadding2DSpec;
                PaddingFusion.EmitDispatch(w, context, $"Pool_{context.MethodSuffix}", "ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y)",
                    Paths(context, p), zp?.Top ?? 0, zp?.Left ?? 0);
                return;
            }
            using (PixelLoops(w, p))
            {
                w.Line($"{Names.Span} o = y.Slice((oy * {p.Output.Width} + ox) * {c}, {c});");
                EmitWindowBounds(w, p);
                w.Line(p.IsMax ? "o.Fill(float.NegativeInfinity);" : "o.Clear();");
                using (w.Block("for (int py = py0; py < py1; py++)"))
                using (w.Block("for (int px = px0; px < px1; px++)"))
                    w.Line(p.IsMax
                        ? $"{Names.Kernels}.Max(o, x.Slice(((iy + py) * {p.Input.Width} + ix + px) * {c}, {c}));"
                        : $"{Names.Kernels}.Add(o, x.Slice(((iy + py) * {p.Input.Width} + ix + px) * {c}, {c}));");
                if (!p.IsMax) w.Line($"{Names.Kernels}.Scale(o, 1f / ((py1 - py0) * (px1 - px0)));");
            }
        }
    }

    private static PoolWindow Window(Pool2DSpec p) => new(p.PoolHeight, p.PoolWidth, p.Input.Width * p.Input.Channels, p.Input.Channels);



    /// <summary>The kernel versions this layer needs on the build's target, widest first.</summary>
    private static List<VectorPath> Paths(LayerContext context, Pool2DSpec p) => SimdKernels.Paths(context.Target, p.Input.Channels);

    /// <summary>Emits the SIMD versions of a pooling layer whose windows never leave the input.</summary>
    public static void EmitKernels(SourceWriter w, LayerContext context, Pool2DSpec p)
    {
        if (Clips(p)) return;
        int c = p.Input.Channels;
        foreach (VectorPath path in Paths(context, p))
        {
            w.Line($"/// <summary>{context.Layer.Describe()}: one vector per group of channels ({path.TypeName} version).</summary>");
            SimdKernels.EmitOptimizedAtOnce(w);
            using (w.Block($"private static void Pool_{context.MethodSuffix}{path.Suffix}(ref float x, ref float y)"))
            using (PixelLoops(w, p))
            {
                w.Line($"ref float xs = ref Unsafe.Add(ref x, iy * {p.Input.Width * c} + ix * {c});");
                w.Line($"ref float o = ref Unsafe.Add(ref y, (oy * {p.Output.Width} + ox) * {c});");
                SimdPooling.EmitPoolPixel(w, Window(p), path.Lanes, p.IsMax, "o");
            }
            w.Line();
            if (context.FusedPadding is { Layer: ZeroPadding2DSpec zp })
                EmitUnpaddedKernel(w, context, p, zp, path);
            if (!p.IsMax) continue;
            w.Line($"/// <summary>The gradient of {p.Name}: to the first maximum of each window ({path.TypeName} version).</summary>");
            SimdKernels.EmitOptimizedAtOnce(w);
            using (w.Block($"private static void PoolGradient_{context.MethodSuffix}{path.Suffix}(ref float x, ref float dy, ref float dx)"))
            using (PixelLoops(w, p))
            {
                w.Line($"ref float xs = ref Unsafe.Add(ref x, iy * {p.Input.Width * c} + ix * {c});");
                w.Line($"ref float ds = ref Unsafe.Add(ref dx, iy * {p.Input.Width * c} + ix * {c});");
                w.Line($"ref float gs = ref Unsafe.Add(ref dy, (oy * {p.Output.Width} + ox) * {c});");
                SimdPooling.EmitMaxBackwardPixel(w, Window(p), path.Lanes);
            }
            w.Line();
        }
    }

    /// <summary>
    /// Emits <c>Backward_{name}(x, y, dy, dx)</c>. Max pooling sends each gradient to the first maximum of its
    /// window in row-major order (as PyTorch does); average pooling spreads it evenly over the cells inside.
    /// </summary>
    public static void EmitBackward(SourceWriter w, LayerContext context, Pool2DSpec p)
    {
        int c = p.Input.Channels;
        bool clips = Clips(p);
        w.Line($"/// <summary>Backward pass of {p.Name}: writes the input gradient into <paramref name=\"dx\"/>.</summary>");
        using (w.Block($"private static void Backward_{context.MethodSuffix}({Names.ReadOnlySpan} x, {Names.ReadOnlySpan} dy, {Names.Span} dx)"))
        {
            w.Line("dx.Clear();");
            if (p.IsMax && !clips)
            {
                SimdKernels.EmitDispatch(w, $"PoolGradient_{context.MethodSuffix}", "ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(dy), ref MemoryMarshal.GetReference(dx)", Paths(context, p));
                return;
            }
            using (PixelLoops(w, p))
            {
                w.Line($"{Names.ReadOnlySpan} g = dy.Slice((oy * {p.Output.Width} + ox) * {c}, {c});");
                if (clips) EmitWindowBounds(w, p);
                if (p.IsMax)
                {
                    // Windows that leave the input (windows inside it take the SIMD kernel above).
                    using (w.Block($"for (int ch = 0; ch < {c}; ch++)"))
                    {
                        w.Line("int best = -1;");
                        w.Line("float max = float.NegativeInfinity;");
                        using (w.Block("for (int py = py0; py < py1; py++)"))
                        using (w.Block("for (int px = px0; px < px1; px++)"))
                        {
                            w.Line($"int i = ((iy + py) * {p.Input.Width} + ix + px) * {c} + ch;");
                            w.Line("if (best < 0 || x[i] > max) { max = x[i]; best = i; }");
                        }
                        w.Line("dx[best] += g[ch];");
                    }
                }
                else if (!clips && Window(p).Unrolled)
                {
                    w.Line($"float share = {Format.Float(1.0 / (p.PoolHeight * p.PoolWidth))};");
                    for (int py = 0; py < p.PoolHeight; py++)
                        for (int px = 0; px < p.PoolWidth; px++)
                            w.Line($"{Names.Kernels}.AddScaled(dx.Slice({Tap(p, py, px)}, {c}), g, share);");
                }
                else
                {
                    w.Line(clips ? "float share = 1f / ((py1 - py0) * (px1 - px0));" : $"float share = {Format.Float(1.0 / (p.PoolHeight * p.PoolWidth))};");
                    using (w.Block(clips ? "for (int py = py0; py < py1; py++)" : $"for (int py = 0; py < {p.PoolHeight}; py++)"))
                    using (w.Block(clips ? "for (int px = px0; px < px1; px++)" : $"for (int px = 0; px < {p.PoolWidth}; px++)"))
                        w.Line($"{Names.Kernels}.AddScaled(dx.Slice(((iy + py) * {p.Input.Width} + ix + px) * {c}, {c}), g, share);");
                }
            }
        }
    }

    /// <summary>
    /// The max pool over the input of the ZeroPadding2D <paramref name="zp"/> before it, read in place: a window inside the
    /// input takes the usual unrolled code; one that meets the padding starts from 0 (the zeros it would have read) and
    /// takes the cells inside the input. Max is exact in any order, so these are the bits of the pool over the copy.
    /// </summary>
    private static void EmitUnpaddedKernel(SourceWriter w, LayerContext context, Pool2DSpec p, ZeroPadding2DSpec zp, VectorPath path)
    {
        int c = p.Input.Channels, height = zp.Input.Height, width = zp.Input.Width;
        w.Line($"/// <summary>{context.Layer.Describe()}, over the input of {zp.Name} ({zp.Input}), its zeros skipped ({path.TypeName} version).</summary>");
        SimdKernels.EmitOptimizedAtOnce(w);
        using (w.Block($"private static void {PaddingFusion.Unpadded($"Pool_{context.MethodSuffix}")}{path.Suffix}(ref float x, ref float y)"))
        using (PixelLoops(w, p, zp.Top, zp.Left))
        {
            EmitWindowBounds(w, p, height, width, "The cells of the window inside the padding's input.");
            w.Line($"ref float o = ref Unsafe.Add(ref y, (oy * {p.Output.Width} + ox) * {c});");
            using (w.Block($"if (py0 == 0 && py1 == {p.PoolHeight} && px0 == 0 && px1 == {p.PoolWidth})"))
            {
                w.Line($"ref float xs = ref Unsafe.Add(ref x, iy * {width * c} + ix * {c});");
                SimdPooling.EmitPoolPixel(w, new PoolWindow(p.PoolHeight, p.PoolWidth, width * c, c), path.Lanes, max: true, "o");
            }
            using (w.Block("else"))
            {
                w.Line("// The window meets the padding: its zeros take part as 0, the cells inside the input as usual.");
                SimdPooling.EmitPoolPixelInside(w, c, width * c, path.Lanes);
            }
        }
        w.Line();
    }

    private static string Tap(Pool2DSpec p, int py, int px) =>
        $"{Group(Plus("iy", py))} * {p.Input.Width * p.Input.Channels} + {Group(Plus("ix", px))} * {p.Input.Channels}";

    /// <summary>
    /// Opens the oy and ox loops and computes the window's top-left input cell (iy, ix), the windows starting
    /// <paramref name="padTop"/> rows above and <paramref name="padLeft"/> columns left of the input (by default the layer's own padding).
    /// </summary>
    private static SourceWriter.Scope PixelLoops(SourceWriter w, Pool2DSpec p, int? padTop = null, int? padLeft = null)
    {
        w.Block($"for (int oy = 0; oy < {p.Output.Height}; oy++)");
        w.Line($"int iy = {Minus(Times("oy", p.StrideHeight), padTop ?? p.PadTop)};");
        w.Block($"for (int ox = 0; ox < {p.Output.Width}; ox++)");
        w.Line($"int ix = {Minus(Times("ox", p.StrideWidth), padLeft ?? p.PadLeft)};");
        return SourceWriter.Scope.Nested(w, 2);
    }

    /// <summary>The window cells py0 .. py1 - 1, px0 .. px1 - 1 inside the layer's input, or inside an input of <paramref name="height"/> x <paramref name="width"/>.</summary>
    private static void EmitWindowBounds(SourceWriter w, Pool2DSpec p, int? height = null, int? width = null,
        string comment = "Same padding: only the window cells inside the input take part.")
    {
        w.Line($"// {comment}");
        w.Line($"int py0 = {Names.Math}.Max(0, -iy), py1 = {Names.Math}.Min({p.PoolHeight}, {height ?? p.Input.Height} - iy);");
        w.Line($"int px0 = {Names.Math}.Max(0, -ix), px1 = {Names.Math}.Min({p.PoolWidth}, {width ?? p.Input.Width} - ix);");
    }
}

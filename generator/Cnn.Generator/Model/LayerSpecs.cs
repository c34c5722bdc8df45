namespace Cnn.Generator.Model;

/// <summary>
/// One layer of a network: the attribute's arguments plus what shape inference worked out.
/// </summary>
/// <remarks>
/// Must be immutable and structurally equatable (the incremental pipeline caches on it); check this when
/// adding members. Computed properties are not part of equality.
/// </remarks>
internal abstract record LayerSpec
{
    /// <summary>The layer name: the <c>Name</c> argument, or the Keras default (<c>conv2d_1</c>).</summary>
    public string Name { get; init; } = "";

    /// <summary>The shape the layer receives.</summary>
    public TensorShape Input { get; init; }

    /// <summary>The shape the layer produces.</summary>
    public TensorShape Output { get; init; }

    /// <summary>The Keras class name shown in the summary (<c>Conv2D</c>, <c>MaxPooling2D</c>, ...).</summary>
    public abstract string KerasType { get; }

    /// <summary>The base of the Keras default name (<c>conv2d</c>, <c>max_pooling2d</c>, ...).</summary>
    public abstract string DefaultBaseName { get; }

    /// <summary>The attribute as the user writes it, for messages (<c>[Dense]</c>).</summary>
    public abstract string AttributeName { get; }

    /// <summary>The number of trainable parameters (valid once shapes are known).</summary>
    public virtual long ParameterCount => 0;

    /// <summary>Whether the output is the input itself (no values change, no buffer is needed).</summary>
    public virtual bool IsIdentity => false;
}

/// <summary>A layer that may apply an activation to its output.</summary>
internal interface IActivated
{
    /// <summary>The activation applied after the layer's linear part.</summary>
    Activation Activation { get; }
}

/// <summary><c>[Conv2D]</c>: a 2D convolution in HWC layout with an HWIO kernel.</summary>
/// <param name="Filters">Output channels.</param>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="StrideHeight">Vertical stride.</param>
/// <param name="StrideWidth">Horizontal stride.</param>
/// <param name="Padding">Valid or Same.</param>
/// <param name="Activation">The fused activation.</param>
/// <param name="UseBias">Whether a bias per filter is added.</param>
internal sealed record Conv2DSpec(int Filters, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    Padding Padding, Activation Activation, bool UseBias) : LayerSpec, IActivated
{
    /// <summary>Zero rows added above the input (Same padding: the smaller half).</summary>
    public int PadTop { get; init; }

    /// <summary>Zero columns added left of the input (Same padding: the smaller half).</summary>
    public int PadLeft { get; init; }

    /// <summary>The number of kernel values: kh·kw·in·filters.</summary>
    public long KernelSize => (long)KernelHeight * KernelWidth * Input.Channels * Filters;

    /// <summary>Rows of the (padded) input the windows cover: (out - 1)·stride + kernel.</summary>
    public long PaddedHeight => (long)(Output.Height - 1) * StrideHeight + KernelHeight;

    /// <summary>Columns of the (padded) input the windows cover.</summary>
    public long PaddedWidth => (long)(Output.Width - 1) * StrideWidth + KernelWidth;

    /// <summary>Floats of the zero-padded copy of the input the convolution reads.</summary>
    public long PaddedSize => PaddedHeight * PaddedWidth * Input.Channels;

    /// <summary>Rows of dy inside its frame of kh - 1 zero rows on each side, for the input gradient (stride 1).</summary>
    public long FramedHeight => Output.Height + 2L * (KernelHeight - 1);

    /// <summary>Columns of dy inside its frame of kw - 1 zero columns on each side.</summary>
    public long FramedWidth => Output.Width + 2L * (KernelWidth - 1);

    /// <summary>Floats of the framed dy.</summary>
    public long FramedSize => FramedHeight * FramedWidth * Filters;

    /// <inheritdoc/>
    public override long ParameterCount => KernelSize + (UseBias ? Filters : 0);

    /// <inheritdoc/>
    public override string KerasType => "Conv2D";

    /// <inheritdoc/>
    public override string DefaultBaseName => "conv2d";

    /// <inheritdoc/>
    public override string AttributeName => "[Conv2D]";
}

/// <summary><c>[MaxPool2D]</c> and <c>[AvgPool2D]</c>: pooling over windows of each channel.</summary>
/// <param name="IsMax">Max pooling (true) or average pooling (false).</param>
/// <param name="PoolHeight">Window rows.</param>
/// <param name="PoolWidth">Window columns.</param>
/// <param name="StrideHeight">Vertical stride.</param>
/// <param name="StrideWidth">Horizontal stride.</param>
/// <param name="Padding">Valid or Same.</param>
internal sealed record Pool2DSpec(bool IsMax, int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth, Padding Padding) : LayerSpec
{
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
}

/// <summary><c>[Dense]</c>: y = x·W + b over a vector, W laid out <c>[in, units]</c>.</summary>
/// <param name="Units">Outputs.</param>
/// <param name="Activation">The fused activation.</param>
/// <param name="UseBias">Whether a bias per unit is added.</param>
internal sealed record DenseSpec(int Units, Activation Activation, bool UseBias) : LayerSpec, IActivated
{
    /// <summary>The number of kernel values: in·units.</summary>
    public long KernelSize => (long)Input.Size * Units;

    /// <inheritdoc/>
    public override long ParameterCount => KernelSize + (UseBias ? Units : 0);

    /// <inheritdoc/>
    public override string KerasType => "Dense";

    /// <inheritdoc/>
    public override string DefaultBaseName => "dense";

    /// <inheritdoc/>
    public override string AttributeName => "[Dense]";
}

/// <summary><c>[Flatten]</c>: the HWC image read as a vector (row-major, no data moves).</summary>
internal sealed record FlattenSpec : LayerSpec
{
    /// <inheritdoc/>
    public override string KerasType => "Flatten";

    /// <inheritdoc/>
    public override string DefaultBaseName => "flatten";

    /// <inheritdoc/>
    public override string AttributeName => "[Flatten]";

    /// <inheritdoc/>
    public override bool IsIdentity => true;
}

/// <summary><c>[Dropout]</c>: inverted dropout while training, the identity at inference.</summary>
/// <param name="Rate">The probability of dropping a value.</param>
internal sealed record DropoutSpec(double Rate) : LayerSpec
{
    /// <inheritdoc/>
    public override string KerasType => "Dropout";

    /// <inheritdoc/>
    public override string DefaultBaseName => "dropout";

    /// <inheritdoc/>
    public override string AttributeName => "[Dropout]";
}

/// <summary><c>[ReLU]</c>, <c>[Sigmoid]</c>, <c>[Tanh]</c>, <c>[Softmax]</c>: a standalone activation layer.</summary>
/// <param name="Activation">The function applied.</param>
internal sealed record ActivationSpec(Activation Activation) : LayerSpec, IActivated
{
    /// <inheritdoc/>
    public override string KerasType => Activation switch
    {
        Activation.ReLU => "ReLU",
        Activation.Softmax => "Softmax",
        _ => "Activation",
    };

    /// <inheritdoc/>
    public override string DefaultBaseName => Activation switch
    {
        Activation.ReLU => "re_lu",
        Activation.Softmax => "softmax",
        _ => "activation",
    };

    /// <inheritdoc/>
    public override string AttributeName => "[" + Activation + "]";
}

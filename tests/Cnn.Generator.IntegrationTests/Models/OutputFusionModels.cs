using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// Chains that Forward runs in a convolution's kernel (a BatchNormalization alone after a convolution without an
// activation, and a ReLU alone after that), beside chains it must not, for OutputFusionTests.

/// <summary>
/// Every kind of fused chain: Conv2D then BatchNormalization and a plain ReLU; DepthwiseConv2D with a depth multiplier
/// then BatchNormalization without scale and a ReLU capped at 6; Conv2D without a bias then BatchNormalization without
/// center and a LeakyReLU; a 1x1 Conv2D of 40 filters (lane groups of 32 and 8 at 512 bits) then BatchNormalization read
/// by two layers (no ReLU fused); and last a convolution whose output two layers read (not fused), the model's output a
/// fused BatchNormalization.
/// </summary>
[Model(9, 9, 3, Loss = Loss.MeanSquaredError)]
[Conv2D(8, 3, Padding = Padding.Same, Name = "c1")]
[BatchNormalization(Name = "bn1")]
[ReLU(Name = "r1")]
[DepthwiseConv2D(3, DepthMultiplier = 2, Stride = 2, Padding = Padding.Same, Name = "dw")]
[BatchNormalization(Scale = false, Name = "bn2")]
[ReLU(MaxValue = 6, Name = "r2")]
[Conv2D(16, 1, UseBias = false, Name = "c2")]
[BatchNormalization(Center = false, Name = "bn3")]
[LeakyReLU(0.2, Name = "r3")]
[Conv2D(40, 1, Name = "c3")]
[BatchNormalization(Name = "bn4")]
[ReLU(Name = "r4")]
[Add("bn4", "r4", Name = "sum")]
[Conv2D(12, 3, Name = "c4")]
[BatchNormalization(Input = "c4", Name = "bn5")]
[Add("c4", "bn5", Name = "sum2")]
[Conv2D(4, 1, Name = "c5")]
[BatchNormalization(Name = "bn6")]
public partial class FusedChains;

/// <summary>
/// A convolution with more than 1 MiB of weights (3x3x128x256) over several output rows of 6 pixels, whose kernel reads
/// them in two chunks of taps per kernel row, each over all filter blocks and rows, with BatchNormalization and ReLU fused; the ReLU is the model's output. Its training buffers
/// are over the stack budget, so its scratch (the scale and shift too) is in per-thread arrays, as CNN0007 says.
/// </summary>
#pragma warning disable CNN0007
[Model(5, 8, 128, Loss = Loss.MeanSquaredError)]
[Conv2D(256, 3, Name = "wide")]
[BatchNormalization(Name = "bn")]
[ReLU(Name = "relu")]
public partial class FusedWideConvolution;
#pragma warning restore CNN0007

/// <summary>A sequence: Conv1D then BatchNormalization and ReLU fused, then activations in place in their input's buffer.</summary>
[Model(12, 5, Loss = Loss.MeanSquaredError)]
[Conv1D(6, 3, Padding = Padding.Same, Name = "c")]
[BatchNormalization(Name = "bn")]
[ReLU(Name = "relu")]
[Conv1D(3, 3, Activation = Activation.Tanh, Name = "d")]
[Sigmoid(Name = "s")]
[Tanh(Name = "t")]
[Flatten]
public partial class FusedSequence;

/// <summary>
/// As ONNX exporters leave a network, BatchNormalization folded into the weights: convolutions followed by a ReLU alone
/// (capped at 6, plain, leaky), the kernel applying it; an Add of three inputs, then a ReLU in place.
/// </summary>
[Model(7, 7, 4, Loss = Loss.MeanSquaredError)]
[Conv2D(16, 3, Padding = Padding.Same, Name = "c1")]
[ReLU(MaxValue = 6, Name = "r1")]
[DepthwiseConv2D(3, Padding = Padding.Same, Name = "dw")]
[ReLU(Name = "r2")]
[Conv2D(16, 1, Name = "c2")]
[LeakyReLU(0.1, Name = "r3")]
[Add("r1", "r2", "r3", Name = "sum")]
[ReLU(Name = "r4")]
[Conv2D(5, 3, Name = "c3")]
public partial class FusedReLUs;

/// <summary>
/// A convolution with 1,065 KiB of weights (3x3x101x300), no bias and no activation, read in two chunks of taps of
/// unequal length (152 and 151 of 303), its 300 filters a loop of blocks and a narrower block after it; then a Dense
/// layer of two outputs, so that the input gradient (a convolution with as many weights, in two chunks of 450 taps,
/// over the zero-framed output gradient) can be checked by finite differences.
/// </summary>
#pragma warning disable CNN0007
[Model(4, 7, 101, Loss = Loss.MeanSquaredError)]
[Conv2D(300, 3, UseBias = false, Name = "wide")]
[Flatten]
[Dense(2, Name = "d")]
public partial class ChunkedConvolution;
#pragma warning restore CNN0007

/// <summary>
/// A convolution with 108 KiB of weights (3x3x32x96, more than SimdKernels' L1 bound, less than its L2 one) over rows of 7
/// pixels: blocks of half the usual filters and twice the pixels, rows outside.
/// </summary>
[Model(6, 9, 32, Loss = Loss.MeanSquaredError)]
[Conv2D(96, 3, Name = "wide")]
[BatchNormalization(Name = "bn")]
[ReLU(Name = "relu")]
public partial class FusedMidConvolution;

/// <summary>
/// Residual blocks as torchvision's resnet18 has them, the join (an Add) applied by a convolution's kernel: c2's
/// BatchNormalization plus the model's input, then a ReLU; a downsampling block whose Add is applied by the 1x1 shortcut
/// convolution written after the main path (the main path's BatchNormalization is then the input added); a 1x1
/// convolution with neither BatchNormalization nor ReLU plus an earlier ReLU's output (mobilenet_v2's join), that Add read
/// by two layers; and an Add whose other input is computed after the convolution (not fused).
/// </summary>
[Model(6, 6, 8, Loss = Loss.MeanSquaredError)]
[Conv2D(8, 3, Padding = Padding.Same, Name = "c1")]
[BatchNormalization(Name = "bn1")]
[ReLU(Name = "r1")]
[Conv2D(8, 3, Padding = Padding.Same, Name = "c2")]
[BatchNormalization(Name = "bn2")]
[Add("bn2", "input", Name = "add1")]
[ReLU(Name = "r2")]
[Conv2D(24, 3, Stride = 2, Padding = Padding.Same, Name = "c3")]
[BatchNormalization(Name = "bn3")]
[ReLU(Name = "r3")]
[Conv2D(24, 3, Padding = Padding.Same, Name = "c4")]
[BatchNormalization(Name = "bn4")]
[Conv2D(24, 1, Stride = 2, Input = "r2", Name = "down")]
[BatchNormalization(Name = "bn5")]
[Add("bn4", "bn5", Name = "add2")]
[ReLU(Name = "r4")]
[Conv2D(24, 1, Name = "c5")]
[Add("c5", "r4", Name = "add3")]
[Conv2D(24, 1, Input = "add3", Name = "c6")]
[Conv2D(24, 1, Input = "add3", Name = "c7")]
[Add("c6", "c7", Name = "add4")]
public partial class FusedResidualBlocks;

/// <summary>
/// A residual join applied by a convolution whose 1.1 MiB of weights (3x3x128x256) are read in chunks of taps: the Add's
/// other input, a 1x1 projection of the model's input, is added after the last chunk, then the ReLU.
/// </summary>
#pragma warning disable CNN0007
[Model(4, 5, 128, Loss = Loss.MeanSquaredError)]
[Conv2D(256, 1, Name = "proj")]
[Conv2D(256, 3, Padding = Padding.Same, Input = "input", Name = "wide")]
[Add("wide", "proj", Name = "add")]
[ReLU(Name = "relu")]
public partial class ChunkedResidual;
#pragma warning restore CNN0007

/// <summary>A sequence's residual join: Conv1D, BatchNormalization, the Add of the model's input and a ReLU, in Conv1D's kernel.</summary>
[Model(12, 5, Loss = Loss.MeanSquaredError)]
[Conv1D(5, 3, Padding = Padding.Same, Name = "c")]
[BatchNormalization(Name = "bn")]
[Add("bn", "input", Name = "add")]
[ReLU(Name = "relu")]
[Flatten]
public partial class FusedSequenceResidual;

/// <summary>
/// Winograd convolutions (3x3, stride 1, 64 to 256 channels and filters: Cnn.Winograd) finishing every kind of chain:
/// BatchNormalization and ReLU; BatchNormalization, the Add of the model's input and ReLU; no bias and a ReLU capped at 6;
/// Valid (14x11: odd) onto 208 filters (a transformed kernel over 1 MiB: the larger blocks of tiles) and a
/// LeakyReLU. The training buffers are over the stack budget (pooled scratch).
/// </summary>
#pragma warning disable CNN0007
[Model(16, 13, 64, Loss = Loss.MeanSquaredError)]
[Conv2D(64, 3, Padding = Padding.Same, Name = "c1")]
[BatchNormalization(Name = "bn1")]
[ReLU(Name = "r1")]
[Conv2D(64, 3, Padding = Padding.Same, Name = "c2")]
[BatchNormalization(Name = "bn2")]
[Add("bn2", "input", Name = "add")]
[ReLU(Name = "r2")]
[Conv2D(80, 3, Padding = Padding.Same, UseBias = false, Name = "c3")]
[ReLU(MaxValue = 6, Name = "r3")]
[Conv2D(208, 3, Name = "c4")]
[LeakyReLU(0.2, Name = "r4")]
public partial class FusedWinograd;
#pragma warning restore CNN0007

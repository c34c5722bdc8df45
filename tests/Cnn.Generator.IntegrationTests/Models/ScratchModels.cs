using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// One network twice: on the stack, and with a stack budget of 1 byte, so that every buffer comes from per-thread
// arrays and the layers' scratch (frames, flipped kernels, phase buffers, the depthwise source, BatchNormalization's
// scale and shift) shares one array per name. The frames grow (small, then larger) and shrink again, so a layer finds
// another's values in the shared array. For ScratchSharingTests.

/// <summary>The network with its buffers on the stack.</summary>
[Model(10, 10, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(4, 3, Padding = Padding.Same, Name = "small")]
[Conv2D(6, 5, Padding = Padding.Same, Name = "large")]
[BatchNormalization(Name = "bn")]
[ReLU(Name = "relu")]
[DepthwiseConv2D(3, DepthMultiplier = 2, Stride = 2, Padding = Padding.Same, Name = "dw")]
[SeparableConv2D(5, 3, Padding = Padding.Same, Name = "sep")]
[Conv2D(3, 3, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh, Name = "strided")]
[Flatten]
[Dense(3, Name = "out")]
public partial class ScratchOnStack;

/// <summary>The same network with every buffer in per-thread arrays.</summary>
#pragma warning disable CNN0007
[Model(10, 10, 2, Loss = Loss.MeanSquaredError, StackBudget = 1)]
[Conv2D(4, 3, Padding = Padding.Same, Name = "small")]
[Conv2D(6, 5, Padding = Padding.Same, Name = "large")]
[BatchNormalization(Name = "bn")]
[ReLU(Name = "relu")]
[DepthwiseConv2D(3, DepthMultiplier = 2, Stride = 2, Padding = Padding.Same, Name = "dw")]
[SeparableConv2D(5, 3, Padding = Padding.Same, Name = "sep")]
[Conv2D(3, 3, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh, Name = "strided")]
[Flatten]
[Dense(3, Name = "out")]
public partial class ScratchPooled;
#pragma warning restore CNN0007

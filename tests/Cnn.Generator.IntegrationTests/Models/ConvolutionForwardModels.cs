using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// The convolutions of SPEC §7 against PyTorch: Fixtures/Convolutions/make_fixtures.py builds the same models
// (same layers, same default names) and stores their parameters, an input and PyTorch's output.
// ReLU appears here (fused into the kernels' stores), where the finite-difference checks avoid it.

/// <summary>Dilated Conv2D: Same with dilation 2 and ReLU, then a non-square kernel with dilation 3 (Valid).</summary>
[Model(9, 8, 3, Loss = Loss.MeanSquaredError)]
[Conv2D(5, 3, DilationRate = 2, Padding = Padding.Same, Activation = Activation.ReLU)]
[Conv2D(4, 2, 3, DilationRate = 3)]
[ExpectShape(6, 2, 4)]
public partial class ForwardDilatedConv;

/// <summary>Dilated Conv2D onto 20 filters (16 + 4 lanes).</summary>
[Model(7, 6, 5, Loss = Loss.MeanSquaredError)]
[Conv2D(20, 3, DilationRate = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
public partial class ForwardDilatedConvWide;

/// <summary>DepthwiseConv2D: multiplier 3 with Same and ReLU, stride 2 with Same, dilation 2 without bias.</summary>
[Model(8, 7, 5, Loss = Loss.MeanSquaredError)]
[DepthwiseConv2D(3, DepthMultiplier = 3, Padding = Padding.Same, Activation = Activation.ReLU)]
[DepthwiseConv2D(3, 2, Stride = 2, Padding = Padding.Same)]
[DepthwiseConv2D(2, DilationRate = 2, UseBias = false, Activation = Activation.Tanh)]
[ExpectShape(2, 2, 15)]
[ExpectParameters(5 * 9 * 3 + 15 + 15 * 6 + 15 + 15 * 4)]
public partial class ForwardDepthwise;

/// <summary>DepthwiseConv2D on 24 channels (16 + 8 lanes), then 2x9 with multiplier 2 (48 channels, a 9-column kernel loop).</summary>
[Model(6, 10, 24, Loss = Loss.MeanSquaredError)]
[DepthwiseConv2D(3, Padding = Padding.Same, Activation = Activation.ReLU)]
[DepthwiseConv2D(2, 9, DepthMultiplier = 2, Padding = Padding.Same)]
public partial class ForwardDepthwiseWide;

/// <summary>SeparableConv2D: multiplier 2, stride 2, Same, ReLU; dilation 2 onto 20 filters; a 3x1 kernel without bias.</summary>
[Model(8, 8, 4, Loss = Loss.MeanSquaredError)]
[SeparableConv2D(6, 3, DepthMultiplier = 2, Stride = 2, Padding = Padding.Same, Activation = Activation.ReLU)]
[SeparableConv2D(20, 2, DilationRate = 2, Padding = Padding.Same)]
[SeparableConv2D(3, 3, 1, UseBias = false, Activation = Activation.Sigmoid)]
[ExpectShape(2, 4, 3)]
[ExpectParameters(3 * 3 * 4 * 2 + 8 * 6 + 6 + 2 * 2 * 6 + 6 * 20 + 20 + 3 * 1 * 20 + 20 * 3)]
public partial class ForwardSeparable;

/// <summary>Conv1D: causal with dilation 2 and ReLU, Same at stride 2, causal at stride 3.</summary>
[Model(12, 4, Loss = Loss.MeanSquaredError)]
[Conv1D(6, 3, Padding = Padding.Causal, DilationRate = 2, Activation = Activation.ReLU)]
[Conv1D(5, 3, Stride = 2, Padding = Padding.Same)]
[Conv1D(3, 2, Stride = 3, Padding = Padding.Causal, Activation = Activation.Tanh)]
[ExpectShape(2, 3)]
[ExpectParameters(3 * 4 * 6 + 6 + 3 * 6 * 5 + 5 + 2 * 5 * 3 + 3)]
public partial class ForwardConv1D;

/// <summary>Conv1D on 17 channels onto 20 filters: Same with dilation 3, then causal without bias onto 18.</summary>
[Model(16, 17, Loss = Loss.MeanSquaredError)]
[Conv1D(20, 5, Padding = Padding.Same, DilationRate = 3, Activation = Activation.ReLU)]
[Conv1D(18, 4, Padding = Padding.Causal, UseBias = false)]
public partial class ForwardConv1DWide;

/// <summary>
/// 3x3 stride-1 convolutions of 64 to 128 channels and filters, which Forward computes by Winograd's F(2x2, 3x3): Same
/// with ReLU, Valid (a 14x13 output: tiles that reach past it), Same without bias with tanh.
/// </summary>
#pragma warning disable CNN0007
[Model(16, 15, 64, Loss = Loss.MeanSquaredError)]
[Conv2D(80, 3, Padding = Padding.Same, Activation = Activation.ReLU)]
[Conv2D(64, 3)]
[Conv2D(128, 3, Padding = Padding.Same, UseBias = false, Activation = Activation.Tanh)]
[ExpectShape(14, 13, 128)]
public partial class ForwardWinograd;
#pragma warning restore CNN0007

using Cnn;

namespace TinyMLPerf;

// The three reference models of MLPerf Tiny (github.com/mlcommons/tiny, benchmark/training), layer by layer as the
// Keras reference builds them: same kernels, strides, 'same' padding, biases and BatchNormalization placement.
// [ExpectParameters] is Keras's count_params() of the reference: a different count is a build error.
// (The reference's l2 kernel regularizers and initializers change training, not the network, and are left out.)
// All three hold more than the default stack budget of 512 KiB for one sample's forward and backward buffers, so the
// generated code keeps them in per-thread arrays (CNN0007 says so); that is what these models need, so the warning is off.
#pragma warning disable CNN0007

/// <summary>
/// Image classification on CIFAR-10: ResNet-8 (image_classification/keras_model.py, resnet_v1_eembc with the 16 filters
/// of releases v0.5–v1.1): a stem convolution and three stacks of two 3x3 convolutions joined to the stack's input by
/// Add; the second and third stacks halve the image with a stride of 2 and project their input with a 1x1 convolution.
/// </summary>
[Model(32, 32, 3, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(16, 3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU(Name = "stem_out")]
// First stack: 32x32x16, the identity as the shortcut.
[Conv2D(16, 3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(16, 3, Padding = Padding.Same)]
[BatchNormalization(Name = "stack1_bn2")]
[Add("stem_out", "stack1_bn2")]
[ReLU(Name = "stack1_out")]
// Second stack: 16x16x32.
[Conv2D(32, 3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(32, 3, Padding = Padding.Same)]
[BatchNormalization(Name = "stack2_bn2")]
[Conv2D(32, 1, Stride = 2, Padding = Padding.Same, Input = "stack1_out", Name = "stack2_shortcut")]
[Add("stack2_shortcut", "stack2_bn2")]
[ReLU(Name = "stack2_out")]
// Third stack: 8x8x64.
[Conv2D(64, 3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(64, 3, Padding = Padding.Same)]
[BatchNormalization(Name = "stack3_bn2")]
[Conv2D(64, 1, Stride = 2, Padding = Padding.Same, Input = "stack2_out", Name = "stack3_shortcut")]
[Add("stack3_shortcut", "stack3_bn2")]
[ReLU]
[ExpectShape(8, 8, 64)]
[AvgPool2D(8)]
[Flatten]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(78_666)]
public partial class ResNet8;

/// <summary>
/// Keyword spotting on Speech Commands: DS-CNN (keyword_spotting/keras_model.py, ds_cnn) on 49 frames of 10 MFCC
/// coefficients: a 10x4 convolution with stride 2, then four depthwise-separable blocks (a 3x3 depthwise convolution and
/// a 1x1 convolution, each followed by BatchNormalization and ReLU), average pooling over the whole 25x5 map less its
/// last row, as the reference's (24, 5) window does, and 12 classes.
/// </summary>
[Model(49, 10, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(64, 10, 4, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Dropout(0.2)]
[ExpectShape(25, 5, 64)]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(64, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(64, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(64, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(64, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Dropout(0.4)]
[AvgPool2D(24, 5)]
[Flatten]
[Dense(12, Activation = Activation.Softmax)]
[ExpectParameters(24_908)]
public partial class DsCnn;

/// <summary>
/// Visual wake words (person / no person) on 96x96 colour images: MobileNetV1 with width multiplier 0.25
/// (visual_wake_words/vww_model.py, mobilenet_v1): a 3x3 convolution of 8 filters with stride 2, then 13
/// depthwise-separable blocks (3x3 depthwise, BatchNormalization, ReLU, 1x1 convolution, BatchNormalization, ReLU) of
/// 16, 32, 32, 64, 64, 128 (x6), 256, 256 filters, the depthwise convolution of blocks 2, 4, 6 and 12 with stride 2;
/// average pooling over the last 3x3 map and 2 classes.
/// </summary>
[Model(96, 96, 3, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(8, 3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
// Block 1: 48x48, 16 filters.
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(16, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
// Blocks 2 and 3: 24x24, 32 filters.
[DepthwiseConv2D(3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(32, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(32, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
// Blocks 4 and 5: 12x12, 64 filters.
[DepthwiseConv2D(3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(64, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(64, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
// Blocks 6 to 11: 6x6, 128 filters.
[DepthwiseConv2D(3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(128, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(128, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(128, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(128, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(128, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(128, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
// Blocks 12 and 13: 3x3, 256 filters.
[DepthwiseConv2D(3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(256, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[DepthwiseConv2D(3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[Conv2D(256, 1, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[ExpectShape(3, 3, 256)]
[AvgPool2D(3)]
[Flatten]
[Dense(2, Activation = Activation.Softmax)]
[ExpectParameters(221_794)]
public partial class MobileNetV1;

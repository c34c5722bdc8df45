global using Xunit;
global using Cnn.Onnx.Proto;

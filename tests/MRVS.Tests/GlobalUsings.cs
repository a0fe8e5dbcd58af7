global using NUnit.Framework;
global using MRVS.Core.Errors;

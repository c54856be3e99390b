public class Smoke { [Fact] public void Works() => Assert.Equal(2, 1 + 1); }

enum ResNetIO {}

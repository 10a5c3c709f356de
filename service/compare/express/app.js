// Reconstruction of the original Express app, for side-by-side measurement only (not committed).
const express = require('express');
const cors = require('cors');
const app = express();
app.use(cors({ origin: '*' }));
app.use(express.json());
app.use(express.urlencoded({ extended: true }));
const router = express.Router();
router.get('/health_check', (req, res) => res.status(200).json({ message: 'ok' }));
app.use('/api/v1', router);
app.use((err, req, res, next) => { res.status(500).send(String(err && err.message)); });
module.exports = app;
